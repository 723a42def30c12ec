// Package plangen writes plans for you from what you already have: a curl
// command (FromCurl), an OpenAPI 3 document (FromOpenAPI, read with
// kin-openapi) or a session recorded in a browser (FromHAR). Every source
// becomes a Plan that one writer, Write, formats like a hand-written plan,
// with comments; credentials become secrets that the plan reads from its
// secret source, never values in the file.
package plangen
