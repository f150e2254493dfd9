/** The reader, as the app's router opens it. Its features' own surfaces are in the subfolders' index.ts. */
export { ReaderScreen } from "./ReaderScreen.tsx";
