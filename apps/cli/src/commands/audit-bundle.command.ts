import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  AUDIT_KEYS,
  type AuditKeys,
  BundleRefused,
  type BundleScope,
  createAuditBundle,
  loadAftercareConfig,
  loadAuditKeys,
  publicKeyPem,
  verifyAuditBundle,
  WarrantyAudit,
} from '@aftercare/application';
import { parseDateOption, parseOutputFileOption } from '../cli-options';
import { withApplication } from '../cli-context';

/**
 * `audit checkpoint | public-key | bundle | verify-bundle`: signed checkpoints of the warranty
 * streams, and bundles an auditor verifies offline with the public key alone. Added to the
 * `audit` command that audit.command.ts registers.
 */
export function registerAuditBundleCommands(program: Command): void {
  const audit = program.commands.find((c) => c.name() === 'audit');
  if (!audit) throw new Error('register the audit command first');

  audit
    .command('checkpoint')
    .description('sign the head of every warranty stream now and record the checkpoint')
    .action(async () => {
      await withApplication(async ({ app }) => {
        const { checkpoint, refused } = await app.get(WarrantyAudit).checkpoints().sign();
        console.log(
          `checkpoint ${checkpoint.body.checkpointId}: ${checkpoint.body.streams.length} warranty streams signed at ${checkpoint.body.signedAt}`,
        );
        for (const finding of refused) console.log(`NOT SIGNED ${finding.message}`);
        if (refused.length) process.exitCode = 1;
      });
    });

  audit
    .command('public-key')
    .description("print the audit signing key's public half (PEM), for verify-bundle")
    .action(() => {
      process.stdout.write(publicKeyPem(loadAuditKeys(loadAftercareConfig().keys).publicKey));
    });

  audit
    .command('bundle')
    .description('write claims, facts, rule traces, chains and signed checkpoints to a file')
    .option('--claim <claimId>', 'one claim')
    .option('--from <date>', 'claims filed from this day (business time)', parseDateOption)
    .option('--to <date>', 'claims filed up to this day (business time)', parseDateOption)
    .requiredOption('--out <file>', 'the bundle file (JSON)', parseOutputFileOption)
    .action(async (options: { claim?: string; from?: string; to?: string; out: string }) => {
      if (options.claim !== undefined && (options.from || options.to)) {
        return audit.error('Give either --claim or --from/--to, not both', { exitCode: 2 });
      }
      if (options.claim === undefined && !(options.from && options.to)) {
        return audit.error('Give --claim <id>, or --from and --to', { exitCode: 2 });
      }
      const scope: BundleScope =
        options.claim !== undefined
          ? { claimId: options.claim }
          : { from: options.from, to: options.to };
      await withApplication(async ({ app, store }) => {
        try {
          const bundle = await createAuditBundle(store, app.get<AuditKeys>(AUDIT_KEYS), scope);
          writeFileSync(options.out, `${JSON.stringify(bundle, null, 2)}\n`);
          console.error(
            `${bundle.claims.length} claims written to ${options.out}; verify with: audit verify-bundle ${options.out} --public-key <file>`,
          );
        } catch (error) {
          if (!(error instanceof BundleRefused)) throw error;
          console.error(error.message);
          process.exitCode = 1;
        }
      });
    });

  audit
    .command('verify-bundle <file>')
    .description('check a bundle offline: signatures, completeness, content, recomputed decisions')
    .requiredOption('--public-key <key>', 'PEM file (or PEM text) from `audit public-key`')
    .action((file: string, options: { publicKey: string }) => {
      let key: KeyObject;
      let bundle: unknown;
      try {
        const pem = existsSync(options.publicKey)
          ? readFileSync(options.publicKey, 'utf8')
          : options.publicKey;
        key = createPublicKey(pem);
      } catch {
        return audit.error(
          `--public-key: '${options.publicKey}' is not a PEM public key or a file holding one`,
          {
            exitCode: 2,
          },
        );
      }
      try {
        bundle = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        return audit.error(`${file}: ${(error as Error).message}`, { exitCode: 2 });
      }
      const result = verifyAuditBundle(bundle, key);
      for (const finding of result.findings)
        console.log(`FAIL ${finding.kind}: ${finding.message}`);
      console.log(
        result.ok
          ? `OK: ${result.claims} claims; signatures, completeness, content and decisions verified`
          : `${result.findings.length} problems in ${result.claims} claims`,
      );
      if (!result.ok) process.exitCode = 1;
    });
}
