-- wrk: single-declaration POSTs, a fresh declaration_id in every request.
-- BODY_FILE: NDJSON templates whose ids start with "@@@@@@@@"; BW_KEY: the key.
local templates = {}
local counter, thread_no, next_thread = 0, 0, 0

function setup(thread)
    next_thread = next_thread + 1
    thread:set("thread_no", next_thread)
end

function init(args)
    local f = assert(io.open(os.getenv("BODY_FILE"), "r"))
    for line in f:lines() do templates[#templates + 1] = line end
    f:close()
    wrk.method = "POST"
    wrk.headers["Authorization"] = "Bearer " .. os.getenv("BW_KEY")
    wrk.headers["Content-Type"] = "application/json"
end

function request()
    counter = counter + 1
    local body = templates[(counter % #templates) + 1]:gsub("@@@@@@@@", "W" .. thread_no .. "-" .. counter .. "-", 1)
    return wrk.format(nil, nil, nil, body)
end
