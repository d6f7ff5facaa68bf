// The built-in `{{$…}}` variables of REST Client and the JetBrains client.
// Dates use dayjs because REST Client's `$datetime "fmt"` formats are dayjs formats.

import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc';

dayjs.extend(utc);

export interface BuiltinEnv {
  now(): number;
  random(): number;
  uuid(): string;
  processEnv(name: string): string | undefined;
  dotenv(name: string): string | undefined;
  shared(name: string): string | undefined;
  /** For `$processEnv %NAME`: the name is itself a variable. */
  variable(name: string): string | undefined;
}

export type BuiltinResult = { ok: true; value: string } | { ok: false; message: string; code: string };

const UNITS: Record<string, dayjs.ManipulateType> = { y: 'y', M: 'M', w: 'w', d: 'd', h: 'h', m: 'm', s: 's', ms: 'ms' };

/** Splits `$datetime "DD MMM" -1 d` into tokens, keeping quoted text together. */
export function tokenizeArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

function fail(message: string, code = 'WL_VAR_BUILTIN'): BuiltinResult {
  return { ok: false, message, code };
}

/** `[offset unit]`: `-1 d`, `2 h`, also written together as `-1d`. */
function applyOffset(base: dayjs.Dayjs, args: string[], what: string): dayjs.Dayjs | string {
  if (args.length === 0) return base;
  let amount: string;
  let unit: string;
  if (args.length === 1) {
    const m = /^([+-]?\d+)([A-Za-z]+)$/.exec(args[0]);
    if (!m) return `${what}: expected an offset like "-1 d", got "${args[0]}"`;
    amount = m[1];
    unit = m[2];
  } else if (args.length === 2) {
    [amount, unit] = args;
  } else {
    return `${what}: too many arguments "${args.join(' ')}"`;
  }
  if (!/^[+-]?\d+$/.test(amount)) return `${what}: offset "${amount}" is not a whole number`;
  const u = UNITS[unit];
  if (!u) return `${what}: unknown offset unit "${unit}" (use y M w d h m s ms)`;
  const d = base.add(Number(amount), u);
  return d.isValid() && Math.abs(d.year()) < 10000 ? d : `${what}: offset ${amount} ${unit} is out of range`;
}

function randomIntBetween(env: BuiltinEnv, min: number, max: number): number {
  return min + Math.floor(env.random() * (max - min));
}

function randomChars(env: BuiltinEnv, alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(env.random() * alphabet.length)];
  return s;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const MAX_RANDOM_LENGTH = 100_000;

function formatDate(d: dayjs.Dayjs, format: string | undefined, local: boolean): string {
  if (format === undefined || format === 'iso8601') return local ? d.format('YYYY-MM-DDTHH:mm:ss.SSSZ') : d.toISOString();
  if (format === 'rfc1123') return local ? d.format('ddd, DD MMM YYYY HH:mm:ss ZZ') : d.toDate().toUTCString();
  return d.format(format);
}

const UNSUPPORTED = new Set(['$aadToken', '$aadV2Token', '$oidcAccessToken', '$prompt', '$input', '$password', '$pick']);

/** Evaluates a built-in; `name` is what stands between the braces (`$timestamp -1 d`). */
export function evaluateBuiltin(name: string, env: BuiltinEnv): BuiltinResult {
  const call = /^(\$[A-Za-z_.]+)\s*\(([^)]*)\)\s*$/.exec(name);
  if (call)
    return evaluateCall(
      call[1],
      call[2]
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
      env,
      name,
    );
  const head = /^\$[A-Za-z_.]+/.exec(name)?.[0];
  if (!head) return fail(`unknown built-in variable "${name}"`, 'WL_VAR_UNRESOLVED');
  const rest = name.slice(head.length);
  if (rest !== '' && !/^\s/.test(rest)) return fail(`unexpected "${rest[0]}" after ${head} in {{${name}}}`, 'WL_VAR_UNRESOLVED');
  const args = tokenizeArgs(rest);
  switch (head) {
    case '$uuid':
    case '$guid':
    case '$random.uuid':
      return args.length ? fail(`${head} takes no arguments`) : { ok: true, value: env.uuid() };
    case '$timestamp': {
      const d = applyOffset(dayjs(env.now()), args, head);
      return typeof d === 'string' ? fail(d) : { ok: true, value: String(d.unix()) };
    }
    case '$isoTimestamp': {
      const d = applyOffset(dayjs(env.now()), args, head);
      return typeof d === 'string' ? fail(d) : { ok: true, value: d.toISOString() };
    }
    case '$datetime':
    case '$localDatetime': {
      const local = head === '$localDatetime';
      const base = local ? dayjs(env.now()) : dayjs.utc(env.now());
      let format: string | undefined;
      let offsetArgs = args;
      // The format comes first unless the arguments are only an offset.
      if (args.length > 0 && !/^[+-]?\d/.test(args[0])) {
        format = args[0];
        offsetArgs = args.slice(1);
      }
      const d = applyOffset(base, offsetArgs, head);
      return typeof d === 'string' ? fail(d) : { ok: true, value: formatDate(d, format, local) };
    }
    case '$randomInt': {
      if (args.length === 0) return { ok: true, value: String(randomIntBetween(env, 0, 1000)) };
      return randomInteger(head, args, env);
    }
    case '$random.integer':
      return randomInteger(head, args, env);
    case '$random.email':
      return { ok: true, value: `${randomChars(env, LETTERS.slice(0, 26) + DIGITS, 10)}@example.com` };
    case '$processEnv':
    case '$dotenv':
    case '$shared': {
      if (args.length !== 1) return fail(`${head} needs one variable name, as in {{${head} NAME}}`, 'WL_VAR_UNRESOLVED');
      let key = args[0];
      if (key.startsWith('%')) {
        // `%NAME`: NAME is a variable whose value is the name to look up.
        const indirect = env.variable(key.slice(1));
        if (indirect === undefined) return fail(`${key.slice(1)} (named by {{${name}}}) is not defined`, 'WL_VAR_UNRESOLVED');
        key = indirect;
      }
      const value = head === '$processEnv' ? env.processEnv(key) : head === '$dotenv' ? env.dotenv(key) : env.shared(key);
      if (value === undefined) {
        const where = head === '$processEnv' ? 'the process environment' : head === '$dotenv' ? 'the .env files' : 'the $shared environment';
        return fail(`${key} is not set in ${where} (for {{${name}}})`, 'WL_VAR_UNRESOLVED');
      }
      return { ok: true, value };
    }
    default:
      if (UNSUPPORTED.has(head)) return fail(`not supported: ${head}`, 'WL_VAR_UNSUPPORTED');
      return fail(`unknown built-in variable ${head}`, 'WL_VAR_UNRESOLVED');
  }
}

function randomInteger(head: string, args: string[], env: BuiltinEnv): BuiltinResult {
  if (args.length !== 2 || !args.every((a) => /^[+-]?\d+$/.test(a))) return fail(`${head} needs two whole numbers MIN MAX, got "${args.join(' ')}"`);
  const [min, max] = args.map(Number);
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) return fail(`${head}: MIN and MAX must be whole numbers below 2^53`);
  if (max <= min) return fail(`${head}: MAX (${max}) must be greater than MIN (${min})`);
  return { ok: true, value: String(randomIntBetween(env, min, max)) };
}

function evaluateCall(head: string, args: string[], env: BuiltinEnv, name: string): BuiltinResult {
  const count = (): number | string => {
    if (args.length !== 1 || !/^\d+$/.test(args[0])) return `${head} needs a length, as in ${head}(10)`;
    const n = Number(args[0]);
    return n > MAX_RANDOM_LENGTH ? `${head}: length ${n} is larger than ${MAX_RANDOM_LENGTH}` : n;
  };
  switch (head) {
    case '$random.integer':
      return args.length === 0 ? { ok: true, value: String(randomIntBetween(env, 0, 1000)) } : randomInteger(head, args, env);
    case '$random.float': {
      const [min, max] = args.length === 2 ? args.map(Number) : [0, 1000];
      if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min) return fail(`${head} needs two numbers MIN < MAX`);
      return { ok: true, value: String(min + env.random() * (max - min)) };
    }
    case '$random.alphabetic':
    case '$random.alphanumeric':
    case '$random.hexadecimal':
    case '$random.numeric': {
      const n = count();
      if (typeof n === 'string') return fail(n);
      const alphabet = head === '$random.alphabetic' ? LETTERS : head === '$random.alphanumeric' ? LETTERS + DIGITS + '_' : head === '$random.hexadecimal' ? DIGITS + 'abcdef' : DIGITS;
      return { ok: true, value: randomChars(env, alphabet, n) };
    }
    case '$random.uuid':
      return { ok: true, value: env.uuid() };
    default:
      return fail(`unknown built-in function in {{${name}}}`, 'WL_VAR_UNRESOLVED');
  }
}
