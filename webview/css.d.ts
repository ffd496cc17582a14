// Type of `.css` imports: esbuild's `text` loader turns them into their source text.
declare module '*.css' {
  const text: string;
  export default text;
}
