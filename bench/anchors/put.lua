-- wrk: PUT the 4 KiB file named by WRK_BODY, each request to a new key (<path>-<thread>-<n>), so the
-- writes do not queue on one key's lock. The URL's query string (?action=put) is kept after the key.
local f = assert(io.open(os.getenv("WRK_BODY"), "rb"))
local body = f:read("*a")
f:close()
local counter = 0
local thread_id = 0
function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end
function request()
  counter = counter + 1
  local path, query = wrk.path:match("^([^?]*)(.*)$")
  return wrk.format("PUT", path .. "-" .. thread_id .. "-" .. counter .. query,
    { ["Content-Type"] = "application/octet-stream" }, body)
end
