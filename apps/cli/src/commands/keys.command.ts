import { Command } from 'commander';
import {
  ApiKeys,
  cliPrincipal,
  InvalidApiKeyRequest,
  KEY_SCOPES,
  openIdentityStores,
  ROLES,
  type ApiKeyRecord,
} from '@aftercare/application';
import { withApplication } from '../cli-context';

/** Runs `work` over the key table of the configured store. */
async function withKeys<T>(work: (keys: ApiKeys) => Promise<T>): Promise<T> {
  return withApplication(async ({ store, config }) => {
    const stores = await openIdentityStores(config, store);
    try {
      return await work(new ApiKeys(stores.keys));
    } finally {
      await stores.close();
    }
  });
}

/** Bad input: the message, exit code 2, nothing written. */
function refuse(message: string): void {
  console.error(message);
  process.exitCode = 2;
}

const view = (k: ApiKeyRecord) => ({
  id: k.id,
  name: k.name,
  role: k.role,
  scopes: k.scopes,
  createdAt: k.createdAt,
  createdBy: k.createdBy,
  revokedAt: k.revokedAt,
  revokedBy: k.revokedBy,
});

/** `keys create|list|revoke`: API keys on the local store, with admin rights. */
export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('API keys: create (shown once), list, revoke');

  keys
    .command('create')
    .description('create a key; it is printed once and only its salted hash is stored')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .requiredOption('--name <label>', 'who or what the key is for')
    .option('--scope <scope...>', `extra scopes (${KEY_SCOPES.join(', ')})`)
    .option('--actor <name>', 'recorded as the creator (default: the OS user)')
    .option('--json', 'print the key and its record as JSON')
    .action(
      async (options: {
        role: string;
        name: string;
        scope?: string[];
        actor?: string;
        json?: boolean;
      }) => {
        await withKeys(async (apiKeys) => {
          try {
            const { key, record } = await apiKeys.create({
              role: options.role,
              name: options.name,
              scopes: options.scope,
              createdBy: cliPrincipal(options.actor).id,
            });
            if (options.json) {
              console.log(JSON.stringify({ key, ...view(record) }, null, 2));
              return;
            }
            console.log(`Created key ${record.id} (${record.role}, "${record.name}").`);
            console.log('It is shown this once and cannot be recovered; store it now:');
            console.log('');
            console.log(`  ${key}`);
            console.log('');
            console.log('Send it as: Authorization: Bearer <key>');
          } catch (error) {
            if (!(error instanceof InvalidApiKeyRequest)) throw error;
            refuse(`keys create: ${error.message}`);
          }
        });
      },
    );

  keys
    .command('list')
    .description('every key with its role, scopes and state (never a secret)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withKeys(async (apiKeys) => {
        const records = await apiKeys.list();
        if (options.json) {
          console.log(JSON.stringify(records.map(view), null, 2));
          return;
        }
        if (records.length === 0) {
          console.log('No keys.');
          return;
        }
        for (const k of records) {
          const state = k.revokedAt ? `revoked ${k.revokedAt} by ${k.revokedBy}` : 'active';
          const scopes = k.scopes.length ? ` [${k.scopes.join(' ')}]` : '';
          console.log(
            `${k.id}  ${k.role.padEnd(7)}  ${k.name}${scopes}  created ${k.createdAt} by ${k.createdBy}  ${state}`,
          );
        }
      });
    });

  keys
    .command('revoke <id>')
    .description('revoke a key: it is refused (401) from the next request on')
    .option('--actor <name>', 'recorded as the revoker (default: the OS user)')
    .action(async (id: string, options: { actor?: string }) => {
      await withKeys(async (apiKeys) => {
        if (await apiKeys.revoke(id, cliPrincipal(options.actor).id)) {
          console.log(`Revoked key ${id}.`);
        } else {
          refuse(`keys revoke: no active key has the id '${id}' (see keys list)`);
        }
      });
    });
}
