// Where the two watchers' alerts land during the benchmark, each stamped with the time it arrived: an SMTP
// server on 127.0.0.1 (Monit mails, as Monit users are told) and an HTTP receiver (clawmedic's webhook).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Arrival {
  /** Epoch ms it arrived. */
  at: number;
  /** Monit: the mail subject ("monit Connection failed gateway"); clawmedic: "<kind> <checkId> <summary>". */
  text: string;
  kind?: string;
  checkId?: string;
}

export interface Receiver {
  port: number;
  arrivals: Arrival[];
  close(): Promise<void>;
}

export async function startMailSink(): Promise<Receiver> {
  const arrivals: Arrival[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    onData(stream, _session, callback) {
      const at = Date.now();
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        simpleParser(Buffer.concat(chunks))
          .then((mail) => {
            arrivals.push({ at, text: mail.subject ?? '' });
            callback();
          })
          .catch(callback);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return { port: (server.server.address() as AddressInfo).port, arrivals, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export async function startHookSink(): Promise<Receiver> {
  const arrivals: Arrival[] = [];
  const server = createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alerts: Array<{ kind: string; checkId: string; summary: string }> };
        for (const a of body.alerts) arrivals.push({ at, text: `${a.kind} ${a.checkId} ${a.summary}`, kind: a.kind, checkId: a.checkId });
      } catch {
        // Not clawmedic's JSON: ignored.
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    arrivals,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The first arrival after `since` that matches, waiting up to timeoutMs; undefined when none came. */
export async function firstAfter(receiver: Receiver, since: number, match: (a: Arrival) => boolean, timeoutMs: number): Promise<Arrival | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = receiver.arrivals.find((a) => a.at >= since && match(a));
    if (hit || Date.now() > deadline) return hit;
    await new Promise((r) => setTimeout(r, 50));
  }
}
