import v8 from 'node:v8';

// V8's own view of an object's layout: `delete` turns an object into a hash table, several times its
// size, which matters for whatever the request log keeps (issue 16).
v8.setFlagsFromString('--allow-natives-syntax');

/** Whether V8 keeps `o` as a fast object (a hidden class and fields), not a dictionary. */
export const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
