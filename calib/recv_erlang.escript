#!/usr/bin/env escript
%% -*- erlang -*-
%%! +sbwt none +sbwtdcpu none +sbwtdio none
%%
%% Receiver harness for `ratelab calibrate`: the three receive paths of etorrent (May 2010 - Aug
%% 2011) on real sockets, each with etorrent's per-message rate update, and the rate-update
%% micro-benchmark.  Busy-waiting of the schedulers is off (+sbwt none, +sbwtdcpu none,
%% +sbwtdio none), so the CPU measured is work, not spinning.
%%
%% usage: recv_erlang.escript recv MODE CLOCK CONNS WARMUP_MS WINDOW_MS
%%          MODE  passive | active | packet4
%%          CLOCK none | mono | localtime    (the rate update's clock; none: no update)
%%        prints "PORT <n>" once listening, then one "RESULT k=v ..." line after the window.
%%        recv_erlang.escript bench N   -> "BENCH k=v ..." (ns per operation)
-mode(compile).

-define(TICK_MS, 5000).
-define(FUDGE, 5).
-define(MAX_RATE_PERIOD, 20).
%% counters slots per connection process
-define(C_READS, 1).      % passive: recv calls that returned data; active: {tcp,..} deliveries
-define(C_MSGS, 2).       % complete wire messages handled
-define(C_BYTES, 3).      % wire bytes (length prefix included) handled
-define(C_UPDATES, 4).    % rate updates (per message and per tick)
-define(C_TICKS, 5).      % 5-s ticks handled
-define(NC, 5).

main(["recv", Mode, Clock, Conns, Warm, Win]) ->
    recv(list_to_atom(Mode), list_to_atom(Clock), list_to_integer(Conns),
         list_to_integer(Warm), list_to_integer(Win));
main(["bench", N]) ->
    bench(list_to_integer(N));
main(_) ->
    io:format(standard_error, "usage: recv_erlang.escript recv MODE CLOCK CONNS WARMUP_MS WINDOW_MS | bench N~n", []),
    halt(2).

%% ------------------------------------------------------------------ etorrent's rate (etorrent.md §1)

now_s(mono) -> erlang:monotonic_time(second);
now_s(localtime) -> calendar:datetime_to_gregorian_seconds(calendar:local_time()).

rate_init(none) -> none;
rate_init(Clock) ->
    T = now_s(Clock),
    {0.0, 0, T + ?FUDGE, T - ?FUDGE, T - ?FUDGE}.          % {R, Total, NextExpected, Last, Since}

%% A 0-byte update (the tick's probe) before the next expected time changes nothing.
rate_update(none, _, _) -> none;
rate_update({_, _, NE, _, _} = St, Clock, A) ->
    T = now_s(Clock),
    if A == 0, T < NE -> St;
       true -> rate_step(St, T, A)
    end.

rate_step({R, Total, _NE, L, S}, T, A) ->
    R1 = (R * (L - S) + A) / (T - S),
    NE1 = T + min(5, A / max(R1, 0.0001)),
    {R1, Total + A, NE1, T, max(S, T - ?MAX_RATE_PERIOD)}.


%% ------------------------------------------------------------------ the receive paths

recv(Mode, Clock, Conns, Warm, Win) ->
    {ok, L} = gen_tcp:listen(0, [binary, {active, false}, {reuseaddr, true}, {backlog, 1024}]),
    {ok, Port} = inet:port(L),
    io:format("PORT ~b~n", [Port]),
    Procs = [accept_one(L, Mode, Clock) || _ <- lists:seq(1, Conns)],
    timer:sleep(Warm),
    S0 = snapshot(Procs),
    timer:sleep(Win),
    S1 = snapshot(Procs),
    report(Mode, Clock, Conns, S0, S1),
    halt(0).

accept_one(L, Mode, Clock) ->
    {ok, S} = gen_tcp:accept(L),
    C = counters:new(?NC, []),
    Pid = spawn(fun() -> receive go -> start(Mode, S, C, Clock) end end),
    ok = gen_tcp:controlling_process(S, Pid),
    Pid ! go,
    {S, C}.

start(Mode, S, C, Clock) ->
    erlang:send_after(?TICK_MS, self(), tick),
    Rate = rate_init(Clock),
    case Mode of
        passive -> passive(S, C, Clock, Rate, <<>>);
        active -> ok = inet:setopts(S, [{active, true}]), active(S, C, Clock, Rate, <<>>);
        packet4 -> ok = inet:setopts(S, [{active, true}, {packet, 4}, {packet_size, 262144}]),
                   packet4(S, C, Clock, Rate)
    end.

%% Slow mode: recv(Sock, 0) returns whatever is buffered; the process frames the 4-byte
%% big-endian length-prefixed messages itself.  It blocks in recv with no timeout, so the tick
%% waits in the mailbox until bytes arrive (the implementation's own behaviour).
passive(S, C, Clock, Rate, Buf) ->
    case gen_tcp:recv(S, 0) of
        {ok, Data} ->
            counters:add(C, ?C_READS, 1),
            {Rest, Rate1} = frame(<<Buf/binary, Data/binary>>, C, Clock, Rate),
            Rate2 = receive tick -> on_tick(C, Clock, Rate1) after 0 -> Rate1 end,
            passive(S, C, Clock, Rate2, Rest);
        {error, _} -> ok
    end.

%% Active raw: every chunk the runtime reads arrives as a message; the process frames.
active(S, C, Clock, Rate, Buf) ->
    receive
        {tcp, S, Data} ->
            counters:add(C, ?C_READS, 1),
            {Rest, Rate1} = frame(<<Buf/binary, Data/binary>>, C, Clock, Rate),
            active(S, C, Clock, Rate1, Rest);
        tick -> active(S, C, Clock, on_tick(C, Clock, Rate), Buf);
        {tcp_closed, S} -> ok;
        {tcp_error, S, _} -> ok
    end.

%% Fast mode: {active,true},{packet,4}: the runtime frames and delivers whole messages.
packet4(S, C, Clock, Rate) ->
    receive
        {tcp, S, Msg} ->
            counters:add(C, ?C_READS, 1),
            packet4(S, C, Clock, on_message(byte_size(Msg), C, Clock, Rate));
        tick -> packet4(S, C, Clock, on_tick(C, Clock, Rate));
        {tcp_closed, S} -> ok;
        {tcp_error, S, _} -> ok
    end.

frame(<<Len:32/big, Rest/binary>> = Buf, C, Clock, Rate) ->
    case Rest of
        <<_Msg:Len/binary, Tail/binary>> -> frame(Tail, C, Clock, on_message(Len, C, Clock, Rate));
        _ -> {Buf, Rate}
    end;
frame(Buf, _C, _Clock, Rate) -> {Buf, Rate}.

%% One update per complete wire message, A = body size (etorrent.md §1).
on_message(Len, C, Clock, Rate) ->
    counters:add(C, ?C_MSGS, 1),
    counters:add(C, ?C_BYTES, Len + 4),
    case Clock of
        none -> Rate;
        _ -> counters:add(C, ?C_UPDATES, 1), rate_update(Rate, Clock, Len)
    end.

on_tick(C, Clock, Rate) ->
    erlang:send_after(?TICK_MS, self(), tick),
    counters:add(C, ?C_TICKS, 1),
    case Clock of
        none -> Rate;
        _ -> counters:add(C, ?C_UPDATES, 1), rate_update(Rate, Clock, 0)
    end.

%% ------------------------------------------------------------------ measurement

%% CPU of every thread of this VM from the kernel's per-thread accounting (ns, user + system)
%% and the number of times each ran (wake-ups + preemptions); statistics(runtime) alongside.
snapshot(Procs) ->
    {Rt, _} = statistics(runtime),
    {Cpu, Runs} = task_schedstat(),
    Counts = lists:foldl(fun({_, C}, Acc) ->
                              [A + counters:get(C, I) || {A, I} <- lists:zip(Acc, lists:seq(1, ?NC))]
                         end, lists:duplicate(?NC, 0), Procs),
    Segs = lists:sum([segs_in(S) || {S, _} <- Procs]),
    #{cpu => Cpu, runs => Runs, rt => Rt, counts => Counts, segs => Segs,
      t => erlang:monotonic_time(nanosecond)}.

task_schedstat() ->
    Dir = "/proc/self/task",
    {ok, Tasks} = file:list_dir(Dir),
    lists:foldl(fun(T, {C, R}) ->
                        case file:read_file(Dir ++ "/" ++ T ++ "/schedstat") of
                            {ok, B} ->
                                [Ns, _Wait, Runs | _] = string:lexemes(binary_to_list(B), " \n"),
                                {C + list_to_integer(Ns), R + list_to_integer(Runs)};
                            _ -> {C, R}
                        end
                end, {0, 0}, Tasks).

%% tcpi_data_segs_in of struct tcp_info (linux/tcp.h): data segments received.
segs_in(S) ->
    case inet:getopts(S, [{raw, 6, 11, 256}]) of
        {ok, [{raw, 6, 11, Bin}]} when byte_size(Bin) >= 156 ->
            <<_:152/binary, DataSegsIn:32/native, _/binary>> = Bin,
            DataSegsIn;
        _ -> 0
    end.

report(Mode, Clock, Conns, S0, S1) ->
    D = fun(K) -> maps:get(K, S1) - maps:get(K, S0) end,
    [Reads, Msgs, Bytes, Updates, Ticks] =
        [B - A || {A, B} <- lists:zip(maps:get(counts, S0), maps:get(counts, S1))],
    io:format("RESULT mode=~s clock=~s conns=~b window_ns=~b cpu_ns=~b runs=~b runtime_ms=~b "
              "segs=~b reads=~b msgs=~b bytes=~b updates=~b ticks=~b runtime=~s~n",
              [Mode, Clock, Conns, D(t), D(cpu), D(runs), D(rt), D(segs), Reads, Msgs, Bytes,
               Updates, Ticks, "erts-" ++ erlang:system_info(version) ++ "/OTP-" ++
                   erlang:system_info(otp_release)]).

%% ------------------------------------------------------------------ micro-benchmarks

%% ns per rate update with each clock, the clocks alone, and a socket mode switch (setopts
%% passive -> {active,true},{packet,4} and back, per direction); the best of 5 repetitions each.
bench(N) ->
    Upd = fun(Clock) ->
                  fun() -> loop_update(N, rate_init(Clock), Clock, 16393) end
          end,
    Results = [{"rate_update_localtime", best(Upd(localtime), N)},
               {"rate_update_mono", best(Upd(mono), N)},
               {"clock_localtime", best(fun() -> loop_clock(N, localtime) end, N)},
               {"clock_mono", best(fun() -> loop_clock(N, mono) end, N)},
               {"switch", best(fun() -> switch_loop(N div 100) end, 2 * (N div 100))}],
    io:format("BENCH ~s runtime=~s~n",
              [string:join([K ++ "=" ++ float_to_list(V, [{decimals, 2}]) || {K, V} <- Results], " "),
               "erts-" ++ erlang:system_info(version) ++ "/OTP-" ++ erlang:system_info(otp_release)]),
    halt(0).

best(F, N) ->
    lists:min([begin
                   T0 = erlang:monotonic_time(nanosecond), F(),
                   (erlang:monotonic_time(nanosecond) - T0) / N
               end || _ <- lists:seq(1, 5)]).

loop_update(0, _, _, _) -> ok;
loop_update(N, St, Clock, A) -> loop_update(N - 1, rate_update(St, Clock, A), Clock, A).

loop_clock(0, _) -> ok;
loop_clock(N, Clock) -> _ = now_s(Clock), loop_clock(N - 1, Clock).

switch_loop(N) ->
    {ok, L} = gen_tcp:listen(0, [binary, {active, false}]),
    {ok, P} = inet:port(L),
    {ok, A} = gen_tcp:connect({127, 0, 0, 1}, P, [binary, {active, false}]),
    {ok, B} = gen_tcp:accept(L),
    [begin
         ok = inet:setopts(B, [{active, true}, {packet, 4}]),
         ok = inet:setopts(B, [{active, false}, {packet, raw}])
     end || _ <- lists:seq(1, N)],
    gen_tcp:close(A), gen_tcp:close(B), gen_tcp:close(L),
    ok.
