import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { AppEntity } from '../../apps/infrastructure/app.entity.js';

@Entity({ name: 'app_assignments' })
export class AppAssignmentEntity {
  @PrimaryGeneratedColumn('uuid')
  uid: string;

  @Column({ name: 'app_id', type: 'uuid' })
  appId: string;

  @ManyToOne(() => AppEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'app_id' })
  app?: AppEntity;

  @Column({ name: 'assignee_type', type: 'varchar', length: 16 })
  assigneeType: string;

  @Column({ name: 'assignee_uid', type: 'varchar', length: 255 })
  assigneeUid: string;

  @Column({ type: 'jsonb' })
  settings: { assignment_mode: string };

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
