import { Command } from 'commander';
import { WarrantyPolicyCatalogue } from '@aftercare/application';
import { withApplication } from '../cli-context';

/** `policies list|show`: the warranty policies and their published versions. */
export function registerPoliciesCommand(program: Command): void {
  const policies = program
    .command('policies')
    .description('List warranty policies and their versions');

  policies
    .command('list')
    .description('every warranty policy with its versions (use them with audit replay-policy)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withApplication(async ({ app }) => {
        const list = await app.get(WarrantyPolicyCatalogue).list();
        if (options.json) {
          console.log(JSON.stringify(list, null, 2));
          return;
        }
        if (list.length === 0) console.log('No warranty policies published');
        for (const p of list) {
          console.log(
            `${p.policyId}  "${p.name}"  versions ${p.versions.join(', ')}  (latest v${p.latestVersion} effective ${p.latestEffectiveFrom})`,
          );
        }
      });
    });

  policies
    .command('show <policyId>')
    .description('one policy: every version with its terms')
    .action(async (policyId: string) => {
      await withApplication(async ({ app }) => {
        const policy = await app.get(WarrantyPolicyCatalogue).get(policyId);
        if (!policy) return program.error(`No warranty policy ${policyId}`, { exitCode: 2 });
        console.log(JSON.stringify(policy, null, 2));
      });
    });
}
