import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { ConfigError } from '@aftercare/event-store';

/**
 * Where webhooks may be delivered. https anywhere public; http, and private or local addresses,
 * only for hosts listed in AFTERCARE_WEBHOOK_ALLOW_HOSTS. The address is checked again at every
 * delivery, on the address the socket actually connects to, so a name that resolved to a public
 * address at registration and to 169.254.169.254 later (DNS rebinding) is refused. Redirects are
 * never followed: a 3xx is a failed delivery.
 */
export interface WebhookTargetPolicy {
  /** Lower-case host names or IP literals, exactly as in the URL. */
  allowHosts: ReadonlySet<string>;
}

export function webhookTargetPolicyFromEnv(env: NodeJS.ProcessEnv): WebhookTargetPolicy {
  const raw = env.AFTERCARE_WEBHOOK_ALLOW_HOSTS ?? '';
  const hosts = raw
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  for (const host of hosts) {
    if (!/^[a-z0-9.:_-]+$/.test(host) && !/^\[[0-9a-f:.]+\]$/.test(host)) {
      throw new ConfigError(
        'AFTERCARE_WEBHOOK_ALLOW_HOSTS',
        `'${host}' is not a host name or IP address (comma-separated list)`,
      );
    }
  }
  return { allowHosts: new Set(hosts.map(unbracket)) };
}

/** Names that reach cloud metadata services whatever they resolve to. */
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata', 'instance-data']);

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** Private, loopback, link-local (metadata 169.254.169.254), unique-local, multicast, reserved. */
export function isRestrictedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1], 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

export class WebhookTargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookTargetRefused';
  }
}

/** Registration: the URL's form, and its host when it is an IP literal or a known name. */
export function checkWebhookUrl(raw: string, policy: WebhookTargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetRefused(`'${raw}' is not a URL`);
  }
  const host = unbracket(url.hostname.toLowerCase());
  const allowed = policy.allowHosts.has(host);
  if (url.username || url.password) {
    throw new WebhookTargetRefused('A webhook URL may not carry credentials');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowed)) {
    throw new WebhookTargetRefused(
      `Webhook URLs must use https (http only for hosts in AFTERCARE_WEBHOOK_ALLOW_HOSTS); got ${url.protocol}//${host}`,
    );
  }
  if (
    !allowed &&
    (METADATA_HOSTS.has(host) || host === 'localhost' || host.endsWith('.localhost'))
  ) {
    throw new WebhookTargetRefused(`Webhook host '${host}' is not reachable from here`);
  }
  if (!allowed && isIP(host) && isRestrictedAddress(host)) {
    throw new WebhookTargetRefused(
      `Webhook host ${host} is a private, loopback, link-local or reserved address`,
    );
  }
  return url;
}

/**
 * A DNS lookup for the delivery socket that refuses restricted addresses for hosts not on the
 * allow-list: the check and the connection use the same answer.
 */
export function guardedLookup(host: string, policy: WebhookTargetPolicy): LookupFunction {
  const allowed = policy.allowHosts.has(unbracket(host.toLowerCase()));
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as LookupAddress[];
      const refused = allowed ? undefined : list.find((a) => isRestrictedAddress(a.address));
      if (refused) {
        return callback(
          new WebhookTargetRefused(
            `${hostname} resolves to ${refused.address}, a private, loopback, link-local or reserved address`,
          ),
          '',
          0,
        );
      }
      if ((options as { all?: boolean }).all) return callback(null, list as never, 0);
      return callback(null, list[0].address, list[0].family);
    });
  };
}

/** POSTs one delivery; resolves with the status (redirects are answers, not followed). */
export function postWebhook(
  target: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  policy: WebhookTargetPolicy,
): Promise<number> {
  let url: URL;
  try {
    url = checkWebhookUrl(target, policy);
  } catch (error) {
    return Promise.reject(error);
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() },
        lookup: guardedLookup(url.hostname, policy),
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`No answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** `[::1]` -> `::1`, `localhost.` -> `localhost`: the forms a URL may spell one host in. */
function unbracket(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare.endsWith('.') ? bare.slice(0, -1) : bare;
}
