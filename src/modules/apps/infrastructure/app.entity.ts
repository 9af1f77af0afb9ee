import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

@Entity({ name: 'apps' })
export class AppEntity {
  @PrimaryGeneratedColumn('uuid', { name: 'app_id' })
  appId: string;

  @Column({ name: 'app_code_name', type: 'varchar', length: 64 })
  appCodeName: string;

  @Column({ type: 'varchar', length: 50 })
  name: string;

  @Column({ name: 'app_type', type: 'text', array: true })
  appTypes: string[];

  @Column({ name: 'redirect_uri', type: 'text' })
  redirectUri: string;

  @Column({ name: 'api_uri', type: 'text', nullable: true })
  apiUri: string | null;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'owner_uid', type: 'varchar', length: 255 })
  ownerUid: string;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  @Column({ name: 'client_secret_hash', type: 'text' })
  clientSecretHash: string;

  @Column({ name: 'secret_version', type: 'integer', default: 1 })
  secretVersion: number;

  /** The sealed client_secret (AES-256-GCM), for apps registered or rotated since SPEC §8. */
  @Column({ name: 'client_secret_encrypted', type: 'text', nullable: true })
  clientSecretEncrypted: string | null;

  /** SHA-256 (hex) of the secret: the signing key of apps registered before, until rotation. */
  @Column({ name: 'signing_key', type: 'text', nullable: true })
  signingKey: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
