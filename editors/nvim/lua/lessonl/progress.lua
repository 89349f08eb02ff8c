-- Work-done progress of the lessonl server, tracked from its $/progress
-- notifications. Neovim has no cancel button for progress, so the plugin keeps
-- the tokens of running work itself: `:Lessonl cancel` sends
-- window/workDoneProgress/cancel for each of them.
local M = {}

local Tracker = {}
Tracker.__index = Tracker

function M.new()
  return setmetatable({ runs = {}, seq = 0 }, Tracker)
end

local function key(client_id, token)
  return tostring(client_id) .. '\0' .. type(token) .. ':' .. tostring(token)
end

-- Feeds one $/progress notification. Returns the event ('begin', 'report',
-- 'end') and the run it belongs to, or nil for values that are not work-done
-- progress (or a report/end for a token whose begin was never seen).
function Tracker:update(client_id, token, value)
  if type(value) ~= 'table' or token == nil then
    return nil
  end
  local k = key(client_id, token)
  local run = self.runs[k]
  if value.kind == 'begin' then
    self.seq = self.seq + 1
    run = {
      client_id = client_id,
      token = token,
      seq = self.seq,
      title = value.title or '',
      message = value.message,
      percentage = value.percentage,
      cancellable = value.cancellable == true,
      done = false,
    }
    self.runs[k] = run
    return 'begin', run
  end
  if not run then
    return nil
  end
  if value.kind == 'report' then
    if value.message ~= nil then
      run.message = value.message
    end
    if value.percentage ~= nil then
      run.percentage = value.percentage
    end
    if value.cancellable ~= nil then
      run.cancellable = value.cancellable == true
    end
    return 'report', run
  end
  if value.kind == 'end' then
    run.done = true
    run.message = value.message or run.message
    self.runs[k] = nil
    return 'end', run
  end
  return nil
end

-- Runs still going, oldest first; only those of client_id when given.
function Tracker:active(client_id)
  local out = {}
  for _, run in pairs(self.runs) do
    if client_id == nil or run.client_id == client_id then
      out[#out + 1] = run
    end
  end
  table.sort(out, function(a, b) return a.seq < b.seq end)
  return out
end

-- Forgets a client's runs (its server exited: no `end` will come).
function Tracker:drop_client(client_id)
  for k, run in pairs(self.runs) do
    if run.client_id == client_id then
      self.runs[k] = nil
    end
  end
end

-- One line for notifications and statuslines:
-- "Optimize Max: round 1/2 · qwen2.5-coder:7b · 1.84× (40%)".
function M.format(run)
  local parts = {}
  if run.title and run.title ~= '' then
    parts[#parts + 1] = run.title
  end
  local line = table.concat(parts)
  if run.message and run.message ~= '' then
    line = line ~= '' and (line .. ': ' .. run.message) or run.message
  end
  if run.percentage and not run.done then
    line = line .. string.format(' (%d%%)', run.percentage)
  end
  return line
end

return M
