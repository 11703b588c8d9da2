-- wrk_tryon.lua: POST /tryon as multipart/form-data (RFC 7578 §4), the
-- way the upload form sends it, cycling through prepared selfies, each
-- paired with a catalog frame. wrk never follows redirects: the 303 to
-- /t/{token} is the try-on's answer, and the result page is not fetched.
--
--   wrk -t2 -c4 -d20s --timeout 30s -s bench/wrk_tryon.lua URL -- \
--       SKU1,SKU2,... photo1.jpg photo2.jpg ...
--
-- Prints, after wrk's own summary: try-ons per second (303 answers only),
-- the count of each status, and latency percentiles over all requests.

-- The shared upload body, from this script's directory.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") ..
    "?.lua;" .. package.path
local upload = require("upload")

local reqs = {}
local next_req = 0
local threads = {}
-- A global, not a local: done() reads each thread's copy with thread:get().
counts = {}

function setup(thread)
	thread:set("id", #threads)
	table.insert(threads, thread)
end

function init(args)
	local skus = {}
	for s in string.gmatch(args[1] or "", "[^,]+") do
		skus[#skus + 1] = s
	end
	assert(#skus > 0 and #args > 1, "usage: -- SKU,SKU,... photo.jpg ...")
	local headers = {
		["Content-Type"] = upload.content_type,
	}
	for k = 2, #args do
		local sku = skus[(k - 2) % #skus + 1]
		reqs[#reqs + 1] = wrk.format("POST", "/tryon", headers,
		    upload.form(sku, upload.readfile(args[k])))
	end
	-- Threads start at different photos.
	next_req = (id or 0) * 5 % #reqs
end

function request()
	next_req = next_req % #reqs + 1
	return reqs[next_req]
end

function response(status, headers, body)
	local k = tostring(status)
	counts[k] = (counts[k] or 0) + 1
end

function done(summary, latency, requests)
	local total, n = {}, 0
	for _, t in ipairs(threads) do
		for k, v in pairs(t:get("counts") or {}) do
			total[k] = (total[k] or 0) + v
			n = n + v
		end
	end
	local secs = summary.duration / 1e6
	local ok = total["303"] or 0
	io.write(string.format("try-ons: %d answered 303 in %.1f s = %.1f try-ons/s\n",
	    ok, secs, ok / secs))
	local keys = {}
	for k in pairs(total) do
		keys[#keys + 1] = k
	end
	table.sort(keys)
	local parts = {}
	for _, k in ipairs(keys) do
		parts[#parts + 1] = k .. ": " .. total[k]
	end
	io.write("statuses: " .. table.concat(parts, ", ") .. "\n")
	io.write(string.format("latency: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
	    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
	    latency:percentile(99) / 1000, latency.max / 1000))
	local e = summary.errors
	io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n",
	    e.connect, e.read, e.write, e.timeout))
end
