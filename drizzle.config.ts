import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './policy/store/sqlite/schema.ts',
  out: './policy/store/sqlite/migrations',
});
