import * as Y from "yjs";
import type { TextTarget } from "../vocabulary/annotations.ts";
import { newAnnotationValue, writeAnnotation } from "../ydoc/annotations.ts";
import type { AnnotationValue } from "../ydoc/layout.ts";

export const T0 = Date.UTC(2025, 2, 3, 9, 0, 0);
export const MINUTE = 60_000;

export const target = (start: number, end: number): TextTarget => ({ revision: 1, exact: "", prefix: "", suffix: "", start, end });

/** Writes a hand-made annotation with the fields a test cares about; the rest take their defaults. */
export function put(doc: Y.Doc, fields: Partial<AnnotationValue> & Pick<AnnotationValue, "id" | "authorId" | "kind">) {
  writeAnnotation(doc, { ...newAnnotationValue(fields, T0), ...fields });
}

export const factcheck = (verdict: NonNullable<AnnotationValue["factcheck"]>["verdict"]) => ({ claim: "c", verdict, sources: [] });

export const newDoc = () => new Y.Doc();
