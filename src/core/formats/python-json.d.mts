export interface PythonJsonOptions {
  /** Keys in sorted order, as json.dumps(sort_keys=True) (and Frappe's as_json) write them. */
  sortKeys?: boolean;
}
export declare function pythonJson(value: unknown, options?: PythonJsonOptions): string;
