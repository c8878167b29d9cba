/** Injection token of the PiiVault (see pii.module.ts). */
export const PII_VAULT_TOKEN = Symbol('PII_VAULT');
