// Run by each published package's `prepack`: refuses a tarball that would not work for its users. pnpm replaces
// `workspace:` ranges with real ones when it packs, npm does not; an unbuilt package would ship its sources only.
import { existsSync, readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const problems = [];
if (!(process.env.npm_config_user_agent ?? '').startsWith('pnpm/')) {
  problems.push(
    'pack and publish with pnpm (`pnpm pack`, `pnpm release`): npm would leave `workspace:` ranges in',
  );
}
const built = [];
const walk = (node) => {
  if (typeof node === 'string') built.push(node);
  else if (node && typeof node === 'object') Object.values(node).forEach(walk);
};
walk(manifest.exports);
walk(manifest.bin);
const missing = built.filter((file) => file.startsWith('./dist/') && !existsSync(file));
if (missing.length > 0) problems.push(`run \`pnpm build\` first: ${missing.join(', ')} missing`);
if (!existsSync('LICENSE')) problems.push('LICENSE missing');
if (problems.length > 0) {
  console.error(`${manifest.name}: not packed.\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
