/** The wired 802.1X harness lives with the simulations' peers, which cannot import test/. */
export * from '../../simulations/peers/wired-8021x.js';
