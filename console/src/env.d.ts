/** esbuild bundles the stylesheet main.tsx imports into app.css. */
declare module '*.css';
