export declare const nodeFloor: string
export declare function nodeSupported(version: string): boolean
export declare function nodeTooOldMessage(version?: string, execPath?: string): string
export declare function requireSupportedNode(): void
