-- wrk: POST declarations with a fresh declaration_id each request.
-- BODY_FILE holds templates (one NDJSON line each, ids marked @ID@); with
-- BATCH=1 each request sends one template as application/json, otherwise
-- the whole file as one NDJSON body.  Ids: thread number, request counter.
local body_file = os.getenv("BODY_FILE")
local batch = tonumber(os.getenv("BATCH") or "1")
local key = os.getenv("BW_KEY")
local templates = {}
local whole

local counter = 0
local thread_no = 0
local next_thread = 0

function setup(thread)
    next_thread = next_thread + 1
    thread:set("thread_no", next_thread)
end

function init(args)
    local f = assert(io.open(body_file, "r"))
    whole = f:read("*a")
    f:close()
    for line in whole:gmatch("[^\n]+") do templates[#templates + 1] = line end
    wrk.method = "POST"
    wrk.headers["Authorization"] = "Bearer " .. key
    wrk.headers["Content-Type"] = batch == 1 and "application/json" or "application/x-ndjson"
end

function request()
    counter = counter + 1
    local tag = "T" .. thread_no .. "-" .. counter
    local body
    if batch == 1 then
        body = templates[(counter % #templates) + 1]:gsub("@ID@", tag)
    else
        body = whole:gsub("@ID@", tag .. "-")
    end
    return wrk.format(nil, nil, nil, body)
end

local non2xx = 0
function response(status, headers, body)
    if status ~= 200 then non2xx = non2xx + 1 end
end
