// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Layers that a folder may not import (ARCHITECTURE.md, rule 1: dependencies point inward). */
const FRAMEWORKS = [
  '@nestjs/*',
  'typeorm',
  'class-validator',
  'class-transformer',
  'express',
  'pg',
];
const OUTER_LAYERS = ['**/infrastructure/**', '**/http/**', '**/application/**'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/', 'bench/out/', 'test/.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src/**/domain/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: FRAMEWORKS, message: 'domain/ imports no framework (ARCHITECTURE rule 1).' },
            {
              group: OUTER_LAYERS,
              message: 'domain/ imports no outer layer (ARCHITECTURE rule 1).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/application/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/infrastructure/**',
                '**/http/**',
                'typeorm',
                'class-validator',
                'express',
                'pg',
              ],
              message: 'application/ never imports infrastructure/ or http/ (ARCHITECTURE rule 1).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/infrastructure/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/http/**'],
              message:
                'infrastructure/ never imports http/: field rules live in the domain (ARCHITECTURE, December review).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/http/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/infrastructure/**'],
              message:
                'http/ depends on ports or on the engine, never on a concrete infrastructure/ adapter (ARCHITECTURE rule 5).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/http/**', 'src/shared/**', 'src/main.ts', 'src/**/*.module.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'NewExpression[callee.name=/Exception$/]',
          message: 'No HttpException below http/: throw a DomainError (ARCHITECTURE rule 6).',
        },
      ],
    },
  },
);
