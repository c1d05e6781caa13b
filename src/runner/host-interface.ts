/**
 * What a Faasm worker gives every call besides its host calls, as Faasm does it. Which host
 * calls exist, and with which types, is the Faasm profile's (src/faasm/profile.ts).
 */
import { UserError } from '../util/errors.js';

/**
 * The guest environment: faasm/faasm src/wasm/WasmEnvironment.cpp @ 53281098 (a std::map, so
 * the guest sees them in this sorted order).
 */
export const FAASM_ENVIRONMENT: Readonly<Record<string, string>> = {
  MKL_NUM_THREADS: '1',
  OPENBLAS_NUM_THREADS: '1',
  PYTHONHASHSEED: '0',
  PYTHONHOME: '/',
  PYTHONNOUSERSITE: 'on',
  PYTHONWASM: '1',
  PYTHON_PATH: '/',
};

/** argv: faabric's getArgvForMessage (src/util/func.cpp @ d13bb4b8) always starts with this. */
export const FAASM_ARGV0 = 'function.wasm';

/**
 * `__faasm_conf_flag` (faasm/faasm src/wavm/faasm.cpp @ 53281098): PYTHON_PRELOAD is the one
 * flag a Faasm deployment sets (PYTHON_PRELOAD=on in its environment, src/conf/FaasmConfig.cpp);
 * ALWAYS_ON and ALWAYS_OFF are fixed for tests; every other key is 0.
 */
export const CONFIGURABLE_CONF_FLAGS = ['PYTHON_PRELOAD'] as const;
const FIXED_CONF_FLAGS: Readonly<Record<string, number>> = { ALWAYS_ON: 1, ALWAYS_OFF: 0 };

export function confFlag(key: string, configured: Readonly<Record<string, number>>): number {
  if (key in FIXED_CONF_FLAGS) return FIXED_CONF_FLAGS[key]!;
  if ((CONFIGURABLE_CONF_FLAGS as readonly string[]).includes(key)) {
    return configured[key] === 1 ? 1 : 0;
  }
  return 0;
}

/** Refuses flags Faasm does not let a deployment set, so a local run cannot rely on them. */
export function checkConfFlags(flags: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(flags)) {
    if (!(CONFIGURABLE_CONF_FLAGS as readonly string[]).includes(k)) {
      throw new UserError(
        `Faasm has no configurable conf flag ${k}: it sets ${CONFIGURABLE_CONF_FLAGS.join(', ')} (ALWAYS_ON is always 1, every other key 0).`,
      );
    }
    if (v !== 0 && v !== 1) throw new UserError(`The conf flag ${k} is 0 or 1, not ${v}.`);
  }
}
