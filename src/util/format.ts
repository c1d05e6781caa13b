/**
 * Text as the repository's prettier writes it, so that what a command generates into the tree
 * (recipes, docs/compat.md, docs/<module>-tests.md) passes `npm run lint` as written. Prettier
 * is a dev dependency: without it (an installed CLI) the text is written as given.
 */
export async function asRepoFormats(
  file: string,
  text: string,
  parser: 'json' | 'markdown',
): Promise<string> {
  const prettier = await import('prettier').catch(() => undefined);
  if (!prettier) return text;
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...options, parser });
}
