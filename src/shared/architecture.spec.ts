import { describe, expect, test } from '@jest/globals';
import { ESLint } from 'eslint';

/**
 * The dependency rules of ARCHITECTURE.md are enforced by ESLint (eslint.config.js); these
 * deliberate violations prove each boundary bites, so a rule cannot silently rot.
 */
const eslint = new ESLint();

async function ruleMessages(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('dependency boundaries', () => {
  test.each([
    [
      'domain/ imports no framework',
      'src/modules/customers/domain/violation.ts',
      "import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n",
      /domain\/ imports no framework/,
    ],
    [
      'application/ never imports infrastructure/',
      'src/modules/clients/application/violation.ts',
      "import { TypeOrmClientRepository } from '../infrastructure/typeorm-client.repository.js';\nexport const x = TypeOrmClientRepository;\n",
      /application\/ never imports infrastructure\//,
    ],
    [
      'infrastructure/ never imports http/',
      'src/modules/clients/infrastructure/violation.ts',
      "import { ClientFieldsDto } from '../http/client.dto.js';\nexport const x = ClientFieldsDto;\n",
      /infrastructure\/ never imports http\//,
    ],
    [
      'http/ never imports a concrete adapter',
      'src/modules/clients/http/violation.ts',
      "import { ClientsImportTarget } from '../infrastructure/clients.import-target.js';\nexport const x = ClientsImportTarget;\n",
      /http\/ depends on ports or on the engine/,
    ],
  ])('%s', async (_rule, path, source, message) => {
    const messages = await ruleMessages(path, source);
    expect(messages).toEqual([expect.stringMatching(message)]);
  });

  test('a file that keeps to its layer passes', async () => {
    const source =
      "import { ClientRepository } from '../domain/client.repository.js';\nexport const x = ClientRepository;\n";
    expect(await ruleMessages('src/modules/clients/http/fine.ts', source)).toEqual([]);
  });
});
