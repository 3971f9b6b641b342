/**
 * The services of the run, by name. Empty here: augment it with the declarations' types so
 * `service('db')` is typed:
 *
 * ```ts
 * declare module '@skiff/jest' {
 *   interface SkiffServices extends ProvidedServices<typeof services> {}
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in the user's code
export interface SkiffServices {}
