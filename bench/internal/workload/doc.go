// Package workload is the benchmark workload of bench/, in its three
// parts, kept together so that tests can hold them to one another:
//
//   - [Handler], the target: POST /login takes a JSON body and answers
//     {"session":{"token":"tok-N"}}; GET /echo answers {"token": <the token
//     query parameter>} with the header X-Echo: yes. It does as little as it
//     can, so that what a benchmark measures is the client.
//   - [Plan], the smokex plan: pairs of steps, each logging in, capturing
//     session.token from the JSON response and sending it to /echo,
//     asserting the status, the X-Echo header and the JSON token.
//   - [Flow], the same requests and checks written by hand with net/http and
//     encoding/json: the baseline smokex is compared with.
package workload
