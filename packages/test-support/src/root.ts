/** Whether this process may create network namespaces, tunnel devices and NAT rules: the kernel suites need it. */
export const isRoot = process.getuid?.() === 0;

/** Why a kernel suite was skipped, for its title. */
export const NEEDS_ROOT = 'needs root: creates network namespaces, tunnel devices and NAT rules (CI runs as root)';
