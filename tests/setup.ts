// Runs before every test file (vitest setupFiles).

import { useTestPasswordCost } from './helpers/passwords';

// cheap scrypt for new password hashes: see tests/helpers/passwords.ts
useTestPasswordCost();
