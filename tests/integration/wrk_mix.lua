-- wrk_mix.lua: a mix of shopper and API requests for the fault test
-- (tests/integration/test_faults.sh) and the soak run (bench/soak.sh).
--
--   wrk -t4 -c4 -d20s -s tests/integration/wrk_mix.lua URL -- \
--       sku=SKU photo=FACE.jpg[,FACE2.jpg...] key=API_KEY token=TOKEN \
--       out=PREFIX [mix=tryon,result,...] [delay=MS | rate=PER_S]
--
-- Run it with as many threads as connections (-tN -cN): each thread then
-- has one connection, whose requests and responses alternate, so
-- response() knows which kind of request it answers.
--
-- Kinds of request (mix= picks and orders them; each thread walks the
-- list from its own offset):
--   tryon        POST /tryon, multipart (RFC 7578 §4) like the upload form
--   api_tryon    POST /api/v1/tryon?frame=SKU, the photo as a raw body
--   api_frames   GET /api/v1/frames
--   result       GET /t/{token}
--   result_json  GET /t/{token} with Accept: application/json
--   index        GET /
--   healthz      GET /healthz
--   static       GET /static/app.css
--
-- Every 303 answer's token (its Location: /t/{token}) goes to the file
-- PREFIX.<thread>.tokens, one per line, as soon as it arrives. The
-- photos take turns. delay= is a think time in milliseconds between a
-- connection's requests (wrk's delay()), with +-50 % jitter; rate= instead
-- paces each connection to that many requests a second on a monotonic
-- clock (a connection that falls behind by over a second does not burst
-- to catch up). done() prints, after wrk's summary, lines the callers
-- parse:
--   mix: status KIND CODE COUNT   every kind and status seen
--   mix: bad_503 N                a 503 whose body is not the page its kind
--                                 should give (HTML, JSON or text/plain)
--   mix: leak N                   a text body naming internals (SQL, ...)
--   mix: tokens N                 303 answers with a token
--   mix: 503_seconds FIRST LAST   Unix times of the first and last 503
--                                 (0 0 without any)
--   mix: socket_errors C R W T    connect, read, write, timeout

-- The upload body bench/wrk_tryon.lua sends too.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") ..
    "../../bench/?.lua;" .. package.path
local upload = require("upload")

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } mix_timespec;
int clock_gettime(int clk, mix_timespec *ts);
]]
local ts = ffi.new("mix_timespec")
local function mono()	-- seconds, CLOCK_MONOTONIC (1 on Linux)
	ffi.C.clock_gettime(1, ts)
	return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local reqs = {}
local turn = {}
local order = {}
local pos = 0
local pending = nil
local think = 0
local rate = 0
local due = 0
local tokfile = nil
local threads = {}

-- Globals, not locals: done() reads each thread's copy with thread:get().
counts = {}
first_503 = 0
last_503 = 0
bad_503 = 0
leak = 0
ntok = 0

function setup(thread)
	thread:set("id", #threads)
	table.insert(threads, thread)
end

function init(args)
	local o = {}
	for _, a in ipairs(args) do
		local k, v = string.match(a, "^([%w_]+)=(.*)$")
		assert(k, "arguments are key=value, not " .. a)
		o[k] = v
	end
	assert(o.sku and o.photo and o.out, "sku=, photo= and out= are required")
	local auth = "Bearer " .. (o.key or "none")
	local tok = o.token or "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	reqs.tryon, reqs.api_tryon = {}, {}
	for path in string.gmatch(o.photo, "[^,]+") do
		local jpg = upload.readfile(path)
		table.insert(reqs.tryon, wrk.format("POST", "/tryon", {
			["Content-Type"] = upload.content_type,
		}, upload.form(o.sku, jpg)))
		table.insert(reqs.api_tryon, wrk.format("POST",
		    "/api/v1/tryon?frame=" .. o.sku, {
			["Content-Type"] = "image/jpeg",
			["Authorization"] = auth,
		}, jpg))
	end
	reqs.api_frames = wrk.format("GET", "/api/v1/frames",
	    { ["Authorization"] = auth })
	reqs.result = wrk.format("GET", "/t/" .. tok)
	reqs.result_json = wrk.format("GET", "/t/" .. tok,
	    { ["Accept"] = "application/json" })
	reqs.index = wrk.format("GET", "/")
	reqs.healthz = wrk.format("GET", "/healthz")
	reqs.static = wrk.format("GET", "/static/app.css")
	for k in string.gmatch(o.mix or
	    "tryon,result,tryon,api_tryon,index,tryon,result_json,healthz,api_frames",
	    "[^,]+") do
		assert(reqs[k], "unknown kind " .. k)
		order[#order + 1] = k
	end
	think = tonumber(o.delay or "0")
	rate = tonumber(o.rate or "0")
	tokfile = assert(io.open(o.out .. "." .. (id or 0) .. ".tokens", "a"))
	pos = (id or 0) * 3 % #order
	-- Threads start at different photos and, paced, spread over the
	-- first interval.
	turn.tryon = (id or 0) % #reqs.tryon
	turn.api_tryon = turn.tryon
	math.randomseed((id or 0) * 7919 + os.time())
	if rate > 0 then
		due = mono() + math.random() / rate
	end
end

function request()
	local r
	pos = pos % #order + 1
	pending = order[pos]
	r = reqs[pending]
	if type(r) == "table" then
		turn[pending] = turn[pending] % #r + 1
		r = r[turn[pending]]
	end
	return r
end

function delay()
	if rate > 0 then
		local now = mono()
		if due < now - 1 then
			due = now
		end
		local d = due - now
		due = due + 1 / rate
		return d > 0 and math.floor(d * 1000) or 0
	end
	if think <= 0 then
		return 0
	end
	return math.floor(think * (0.5 + math.random()))
end

local function header(headers, name)
	for k, v in pairs(headers) do
		if string.lower(k) == name then
			return v
		end
	end
	return nil
end

-- What a 503 of each kind must look like: the error template (HTML), the
-- JSON error object, or /healthz's one line.
local function good_503(kind, ctype, body)
	ctype = ctype or ""
	if kind == "api_tryon" or kind == "api_frames" or kind == "result_json" then
		return string.find(ctype, "application/json", 1, true) ~= nil and
		    string.find(body, '^{"error":{"code":"unavailable"') ~= nil
	elseif kind == "healthz" then
		return string.find(ctype, "text/plain", 1, true) ~= nil and
		    string.find(body, "^unavailable: ") ~= nil
	end
	return string.find(ctype, "text/html", 1, true) ~= nil and
	    string.find(body, "Service Unavailable", 1, true) ~= nil
end

local leak_words = { "sql", "syntax", "mysql", "mariadb", "errno",
    "traceback", "at line", "segmentation", "core dumped" }

function response(status, headers, body)
	local kind = pending or "?"
	local key = kind .. " " .. status
	local ctype = header(headers, "content-type")
	counts[key] = (counts[key] or 0) + 1
	if status == 503 then
		local now = os.time()
		if first_503 == 0 then
			first_503 = now
		end
		last_503 = now
		if not good_503(kind, ctype, body) then
			bad_503 = bad_503 + 1
		end
	end
	if ctype ~= nil and (string.find(ctype, "^text/") or
	    string.find(ctype, "json", 1, true)) then
		local low = string.lower(body)
		for _, w in ipairs(leak_words) do
			if string.find(low, w, 1, true) then
				leak = leak + 1
				io.stderr:write("mix: leak '" .. w .. "' in " .. kind ..
				    " " .. status .. "\n")
				break
			end
		end
	end
	if status == 303 then
		local loc = header(headers, "location") or ""
		local t = string.match(loc, "^/t/([%w_-]+)")
		if t then
			ntok = ntok + 1
			tokfile:write(t, "\n")
			tokfile:flush()
		end
	end
	pending = nil
end

function done(summary, latency, requests)
	local total, keys = {}, {}
	local b, l, n, f503, l503 = 0, 0, 0, 0, 0
	for _, t in ipairs(threads) do
		local f, z = t:get("first_503") or 0, t:get("last_503") or 0
		if f > 0 and (f503 == 0 or f < f503) then
			f503 = f
		end
		if z > l503 then
			l503 = z
		end
		for k, v in pairs(t:get("counts") or {}) do
			total[k] = (total[k] or 0) + v
		end
		b = b + (t:get("bad_503") or 0)
		l = l + (t:get("leak") or 0)
		n = n + (t:get("ntok") or 0)
	end
	for k in pairs(total) do
		keys[#keys + 1] = k
	end
	table.sort(keys)
	for _, k in ipairs(keys) do
		io.write(string.format("mix: status %s %d\n", k, total[k]))
	end
	io.write(string.format("mix: bad_503 %d\nmix: leak %d\nmix: tokens %d\n",
	    b, l, n))
	io.write(string.format("mix: 503_seconds %d %d\n", f503, l503))
	local e = summary.errors
	io.write(string.format("mix: socket_errors %d %d %d %d\n", e.connect,
	    e.read, e.write, e.timeout))
	io.write(string.format("mix: requests %d in %.1f s, latency p50 %.1f ms " ..
	    "p99 %.1f ms max %.1f ms\n", summary.requests, summary.duration / 1e6,
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
	    latency.max / 1000))
end
