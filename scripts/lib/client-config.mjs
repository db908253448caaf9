// Hands client settings to a Java helper in a properties file (--config-file) instead of on its command
// line: SASL passwords and JAAS lines would otherwise show in process lists and in the helpers' error
// messages, which repeat the command line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// java.util.Properties syntax: backslash escapes; separators and comment marks in keys escaped; a value's
// leading blanks would be dropped unless escaped; line breaks as \n.
function escapeProperty(text, isKey) {
  let out = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  if (isKey) out = out.replace(/([=: #!])/g, '\\$1');
  else out = out.replace(/^([ #!])/, '\\$1');
  return out;
}

/** The properties file text for `config`. */
export function propertiesText(config) {
  return Object.entries(config)
    .map(([k, v]) => `${escapeProperty(k, true)}=${escapeProperty(String(v), false)}\n`)
    .join('');
}

/**
 * Runs `use(extraArgs)` with `['--config-file', path]` for `config` (nothing when it is empty); the file lives
 * in a private temporary folder (mode 0700) that is removed afterwards.
 * @template T
 * @param {Record<string, string> | undefined} config
 * @param {(args: string[]) => Promise<T>} use
 * @returns {Promise<T>}
 */
export async function withConfigFile(config, use) {
  if (!config || Object.keys(config).length === 0) return use([]);
  const dir = mkdtempSync(join(tmpdir(), 'kafka-wire-client-'));
  try {
    const file = join(dir, 'client.properties');
    writeFileSync(file, propertiesText(config), { mode: 0o600 });
    return await use(['--config-file', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
