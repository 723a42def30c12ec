// Package petstore is a small API that an OpenAPI document describes, for
// the tests of plans written from OpenAPI: its handlers answer what
// openapi.yaml declares, and it serves that document at /openapi.yaml with
// its server URL set to the address it was reached at.
//
// Endpoints, under /v1:
//
//	GET    /pets              200 the pets
//	POST   /pets              201 (a write: counted by Writes)
//	GET    /pets/search?q=    200 the pets whose name holds q
//	GET    /pets/{petId}      200 the pet, 404 an Error
//	DELETE /pets/{petId}      204 (a write)
//	GET    /owners/{ownerId}  200 the owner, with a null email; needs X-Request-Source
//	GET    /store/inventory   200 counts by status; needs X-API-Key: APIKey
//	GET    /health            200 text/plain ok
package petstore
