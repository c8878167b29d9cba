// The simulated world draws from the pure libraries' one seeded generator.
export { Prng } from '@aftercare/analytics';
