import { deriveKey, openBox, sealBox } from './secret-box';

const PREFIX = 'sealed:v1:';

/**
 * Webhook signing secrets at rest: sealed with a key derived from the master key and bound to
 * their subscription, so the registration event (and every feed or export of it) holds only
 * ciphertext. The delivering process opens it just before signing.
 */
export class WebhookSecretBox {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    this.key = deriveKey(masterKey, 'webhook-secrets');
  }

  seal(subscriptionId: string, secret: string): string {
    return (
      PREFIX + sealBox(this.key, Buffer.from(secret, 'utf8'), subscriptionId).toString('base64url')
    );
  }

  /** Registrations recorded before secrets were sealed hold the secret itself. */
  open(subscriptionId: string, stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const box = Buffer.from(stored.slice(PREFIX.length), 'base64url');
    return openBox(this.key, box, subscriptionId).toString('utf8');
  }
}
