-- upload.lua: what the wrk scripts (bench/wrk_tryon.lua and
-- tests/integration/wrk_mix.lua) send as an upload: a photo read whole,
-- and the multipart/form-data body of the upload form around it.
--
--   package.path = <this directory> .. "?.lua;" .. package.path
--   local upload = require("upload")

local M = {}

M.boundary = "framefit-wrk-4f9c2a7d1e6b"
M.content_type = "multipart/form-data; boundary=" .. M.boundary

function M.readfile(path)
	local f = assert(io.open(path, "rb"))
	local data = f:read("*a")
	f:close()
	return data
end

-- One multipart body (RFC 7578 §4.1: CRLF, "--" boundary; §4.2: each part
-- names its field; §4.4: the file part carries its type), fields in the
-- form's order: the frame, then the photo.
function M.form(sku, jpg)
	local b = M.boundary
	return "--" .. b .. "\r\n" ..
	    'Content-Disposition: form-data; name="frame"\r\n\r\n' ..
	    sku .. "\r\n" ..
	    "--" .. b .. "\r\n" ..
	    'Content-Disposition: form-data; name="photo"; filename="selfie.jpg"\r\n' ..
	    "Content-Type: image/jpeg\r\n\r\n" ..
	    jpg .. "\r\n" ..
	    "--" .. b .. "--\r\n"
end

return M
