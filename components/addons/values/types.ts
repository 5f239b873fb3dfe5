/** Helm values as plain JSON data. */
export type Values = { [key: string]: unknown };
