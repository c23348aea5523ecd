/**
 * What an offline bundle is built from and what its BUNDLE.json says. Read by the builder (build-bundle.ts), by
 * `lathe doctor` inside an installed bundle (src/engine/hardware/bundle-checks.ts reads the JSON) and by the tests.
 */

/** The Node runtime the bundle ships: an LTS line in upstream support (24 "Krypton": until 2028-04). */
export const BUNDLE_NODE_VERSION = '24.22.3';
/** CPython minors the lock installs on (numpy 2.4 needs 3.11+). */
export const SUPPORTED_PYTHONS = ['3.11', '3.12', '3.13'];
/** torch's wheels need glibc 2.28: the bundle's target is manylinux_2_28 x86-64 (RHEL 8, Debian 10, Ubuntu 18.10+). */
export const WHEEL_PLATFORM = 'manylinux_2_28_x86_64';
/** Every platform tag such a machine accepts, for `pip download --platform` (pip does not widen the list itself). */
export const WHEEL_PLATFORM_TAGS = [
  ...Array.from({ length: 28 - 5 + 1 }, (_, i) => `manylinux_2_${28 - i}_x86_64`),
  'manylinux2014_x86_64', 'manylinux2010_x86_64', 'manylinux1_x86_64',
];

export interface BundleManifest {
  name: 'lathe';
  version: string;
  platform: 'linux-x64';
  builtAt: string;
  gitCommit: string | null;
  node: string;
  pythons: string[];
  wheelPlatform: string;
  llamaCpp: { sourceSha256: string; tools: string[] };
  sbom: string[];
}
