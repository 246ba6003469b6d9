// What both Node client scripts share: where the emulator is, the test's credentials (from the
// environment test_node_clients.py sets), an agent that sends HTTPS requests to the emulator as
// plain HTTP, and running one scenario with its JSON result on stdout.
import https from 'node:https';
import net from 'node:net';

export const US = 'ATVPDKIKX0DER';

export const env = {
  endpoint: new URL(process.env.SPAPI_ENDPOINT),
  clientId: process.env.SPAPI_CLIENT_ID,
  clientSecret: process.env.SPAPI_CLIENT_SECRET,
  refreshToken: process.env.SPAPI_REFRESH_TOKEN,
};

// Node clients build https://sellingpartnerapi-na.amazon.com and https://api.amazon.com URLs
// themselves. An agent whose sockets are plain TCP to the emulator carries every such request
// there, unencrypted, path and headers untouched (the emulator ignores Host).
export class EmulatorAgent extends https.Agent {
  createConnection() {
    return net.connect({host: env.endpoint.hostname, port: Number(env.endpoint.port)});
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `read` until `done` says so (a report or feed reaching a final status).
export async function until(read, done, {tries = 100, pauseMs = 50} = {}) {
  for (let attempt = 0; attempt < tries; attempt++) {
    const value = await read();
    if (done(value)) return value;
    await sleep(pauseMs);
  }
  throw new Error(`still not done after ${tries} polls`);
}

export const FINAL = ['DONE', 'CANCELLED', 'FATAL'];

// Minimal TSV reading for report documents: header row, then one object per line.
export function tsvRows(text) {
  const [header, ...lines] = text.split('\n').filter((line) => line.length > 0);
  const columns = header.split('\t');
  return lines.map((line) => Object.fromEntries(line.split('\t').map((v, i) => [columns[i], v])));
}

// `node <script> <scenario> '<json args>'`: prints the scenario's result as JSON.
export async function run(scenarios) {
  const [name, args = '{}'] = process.argv.slice(2);
  const scenario = scenarios[name];
  if (!scenario) {
    throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
  }
  const result = await scenario(JSON.parse(args));
  process.stdout.write(JSON.stringify(result));
}
