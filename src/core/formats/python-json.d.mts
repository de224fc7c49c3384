export interface PythonJsonOptions {
  /** Keys in sorted order, as json.dumps(sort_keys=True) (and Frappe's as_json) write them. */
  sortKeys?: boolean;
  /** Numbers as Python's json.loads reads them: one that is not whole is a float, written as its repr. */
  readNumbers?: boolean;
}
export declare function pythonNumber(text: string): string;
export declare function pythonJson(value: unknown, options?: PythonJsonOptions): string;
export declare function pythonFloat(x: number): string;
export declare class PythonFloat {
  constructor(value: number);
  value: number;
}
export declare function pythonRedump(text: string): string | undefined;
