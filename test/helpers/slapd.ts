/** The slapd harness lives with the benchmarks' peers, which cannot import test/. */
export * from '../../simulations/peers/slapd.js';
