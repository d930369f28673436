export declare const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>>;
export declare const CONTENT_SECURITY_POLICY: string;
export declare const META_CONTENT_SECURITY_POLICY: string;
export declare const SECURITY_HEADERS: Readonly<Record<string, string>>;
