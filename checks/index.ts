import type { Check } from '../src/contracts.ts';
import { gatewayHttpCheck } from './gateway-http.ts';
import { gatewayPortCheck } from './gateway-port.ts';
import { configCheck } from './config.ts';
import { doctorCheck } from './doctor.ts';
import { memoryCheck } from './memory.ts';
import { restartsCheck } from './restarts.ts';
import { latencyCheck } from './latency.ts';
import { diskCheck } from './disk.ts';
import { dnsCheck } from './dns.ts';
import { tlsCheck } from './tls.ts';
import { firewallCheck } from './firewall.ts';
import { secretsCheck } from './secrets.ts';
import { providersCheck } from './providers.ts';
import { webhooksCheck } from './webhooks.ts';
import { logsCheck } from './logs.ts';
import { websocketCheck } from './websocket.ts';
import { channelsCheck } from './channels.ts';

/** Every built-in check, in the order `status` and `check` list them. */
export const builtinChecks: readonly Check[] = [gatewayPortCheck, gatewayHttpCheck, configCheck, doctorCheck, memoryCheck, restartsCheck, latencyCheck, diskCheck, dnsCheck, tlsCheck, firewallCheck, secretsCheck, providersCheck, webhooksCheck, logsCheck, websocketCheck, channelsCheck];
