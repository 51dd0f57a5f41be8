// Bundle size of the browser packages as an app would ship them: esbuild bundle + minify for the
// browser, then gzip. React stays external (the app has it), and so does @cariosan/client in the
// hooks' figure: an app ships both numbers added up.
// Run: pnpm build && node bench/bundle-size.mjs
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const targets = [
  ['@cariosan/client', 'packages/client/dist/index.js', []],
  ['@cariosan/react', 'packages/react/dist/index.js', ['react', '@cariosan/client']],
];
for (const [name, entry, external] of targets) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    external,
  });
  const code = result.outputFiles[0].contents;
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
  console.log(
    `${name}: ${kb(code.length)} min, ${kb(gzipSync(code, { level: 9 }).length)} min+gzip`,
  );
}
