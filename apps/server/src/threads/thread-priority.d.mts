export declare const BACKGROUND_NICENESS: number;
export declare function threadId(): number | null;
export declare function lowerThreadPriority(): boolean;
