// Package simtarget is a simulated web shop with a capacity model, served
// over real HTTP on 127.0.0.1. It is the default target of `liftoff demo`
// and the realistic target of liftoff's tests, where faults come from its
// knobs (workers, service time, queue, errors, stalls), never from mocks. It
// imports no liftoff package and only the standard library. ParseSpec turns
// a target such as "sim:shop?capacity=300" into a Config; Start(cfg) serves
// it on a random port until Server.Close, and Server.Stats counts what
// happened.
//
// # Knobs
//
// A spec is "sim:shop" followed by optional NAME=VALUE pairs joined by "&",
// as in "sim:shop?capacity=300&errors=2%&stall=1s/5s". Each pair sets one
// Config field; Config.String writes the canonical spec back.
//
//	spec             Config field           default          meaning
//	workers=N        Workers                64               requests in service at once (1..100000)
//	capacity=N       Workers                                 requests/s; sets Workers = ceil(N × MeanService)
//	service=D        Service                5ms              median service time (at most 1m)
//	spread=X         Spread                 0.5              lognormal sigma (0..4); spread=0 is Spread<0: constant
//	queue=N          Queue                  4×workers        requests that may wait; queue=0 is Queue<0: no queue
//	errors=P         ErrorRate              0                share answered 500, as 2% or 0.02
//	stall=FOR/EVERY  StallFor, StallEvery   none             freeze for FOR every EVERY, as 1s/5s
//	seed=N           Seed                   fixed            seed of service times and injected errors
//	tls=1            TLS                    0                HTTPS with a self-signed certificate
//
// In a Config, where the zero value means the default, "none" is written
// as a negative value; in a spec it is written as 0. capacity and workers
// are exclusive.
//
// # Where it breaks
//
// Every request except GET /healthz goes through the capacity model:
//
//  1. It takes one of Workers+Queue slots. If all are taken, it is answered
//     503 Service Unavailable at once (Stats.Rejected).
//  2. It waits, first come first served, for one of Workers.
//  3. It holds the worker for its service time: lognormal with median
//     Service and sigma Spread, clamped to [Service/10, Service×20], or
//     exactly Service if Spread is negative (spread=0 in a spec).
//  4. ErrorRate of the requests that complete service are answered 500
//     Internal Server Error (Stats.Injected); the rest get the shop's
//     answer.
//
// So with W workers and mean service time m = Service·exp(Spread²/2), the
// shop serves about W/m requests/s (Config.Capacity). Offered less, latency
// is the service time. Offered more, the queue fills and latency rises by
// up to Queue·m/W; beyond that, the excess is answered 503. The defaults (64
// workers, 5ms median, spread 0.5, queue 256) give about 11,300 requests/s
// and at most about 23ms of queueing. "sim:shop?capacity=300" sets
// Workers = ceil(300 × m) = 2, which serve about 353 requests/s: capacity is
// a floor, rounded up to whole workers.
//
// Stalls model a garbage-collection pause or a locked database: with
// StallEvery and StallFor (stall=FOR/EVERY in a spec), the shop freezes for
// StallFor at StallEvery, 2×StallEvery, … after Start. No request finishes
// service during a freeze: one whose service would end inside it ends when
// it ends, and one that gets its worker during it starts service after it.
// As workers stay busy through the freeze, the queue fills behind them, so
// a long enough freeze also produces 503s. A client that goes away is
// dropped from the queue or from service at once (Stats.Canceled).
//
// Service times and injected errors are drawn per request from (Seed, n),
// where n numbers the requests in arrival order: the same seed and the same
// number of requests give the same service times and the same number of
// 500s, however the requests interleave.
//
// # Endpoints
//
// Pages answer HTML; the API answers JSON, and reports its own refusals as
// {"error": "..."}. Answers from the capacity model (503, 500) and the
// router (404, 405) are small HTML pages, as from a proxy in front of a
// real shop.
//
//	GET  /                    home page (about 5 KB, links to 48 products); sets a sid cookie if absent
//	GET  /products/{id}       product page, id 1..1000; other ids 404
//	GET  /account             account page; needs the session cookie of POST /api/login, else 302 to /login
//	GET  /login               log-in page
//	GET  /api/products?page=N 20 products per page, pages 1..50; later pages are empty; bad N 400
//	GET  /api/products/{id}   {"id", "name", "price", "tags"}; unknown id 404
//	GET  /api/search?q=TEXT   up to 20 products whose name contains TEXT or that carry tag TEXT; no q 400
//	POST /api/signup          {"email", "password"} → 201 {"id", "email"}; missing fields or bad JSON 400; known email 409
//	POST /api/login           {"email", "password"} → 200 {"token", "user": {"id", "email"}} and a session cookie; 400 as signup; 401 wrong password
//	GET  /api/cart            the cart: {"items": [{"product_id", "name", "price", "qty"}], "count", "total"}
//	POST /api/cart            {"product_id", "qty"} (qty 1..99, default 1) → 200 with the cart; unknown product 404; cart limits 409
//	POST /api/checkout        → 201 {"order_id", "count", "total"} and an empty cart; empty cart 409
//	GET  /healthz             200 "ok", outside the capacity model, so it answers during overload
//
// Any other path is 404 and a wrong method 405 with an Allow header. HEAD
// is accepted wherever GET is.
//
// # Accounts and carts
//
// Login accepts the password an email signed up with; an email that never
// signed up logs in with any non-empty password, so a load test can log in
// from a data file without a signup step. Each login returns a new random
// token. The cart endpoints require "Authorization: Bearer TOKEN"; a missing
// or unknown token is answered 401 (Stats.Unauthorized). The session cookie
// that login sets is for realism only: the cart ignores it.
//
// Memory stays bounded however long a test runs: the shop keeps the newest
// 100,000 tokens (each with its cart of at most 50 products, 99 of each)
// and the newest 100,000 signups, forgetting the oldest. A forgotten token
// gets 401 like an unknown one.
//
// # Protocols
//
// The shop serves HTTP/1.1 with keep-alive and unencrypted HTTP/2 (h2c with
// prior knowledge) on the same port. With Config.TLS (tls=1 in a spec) it
// serves HTTPS instead, with HTTP/2 by ALPN, using a fresh self-signed
// certificate that clients trust through Server.RootCAs.
package simtarget
