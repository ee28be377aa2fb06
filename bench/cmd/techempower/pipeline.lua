-- TechEmpower's pipeline.lua for wrk: each write carries the request
-- "depth" times; the depth is the script's argument (wrk ... -s pipeline.lua -- 16).
-- The techempower runner embeds this file; diagnose-kiln-stack.sh uses it in place.
init = function(args)
  local r = {}
  local depth = tonumber(args[1]) or 1
  for i=1,depth do
    r[i] = wrk.format()
  end
  req = table.concat(r)
end

request = function()
  return req
end
