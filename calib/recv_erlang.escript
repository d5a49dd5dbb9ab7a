#!/usr/bin/env escript
%% -*- erlang -*-
%%! +sbwt none +sbwtdcpu none +sbwtdio none
%%
%% Receiver harness for `ratelab calibrate`: the three receive paths of etorrent (May 2010 - Aug
%% 2011) on real sockets, each with etorrent's per-message rate update, and the rate-update
%% micro-benchmark.  Busy-waiting of the schedulers is off (+sbwt none, +sbwtdcpu none,
%% +sbwtdio none), so the CPU measured is work, not spinning.
%%
%% usage: recv_erlang.escript recv MODE CLOCK CONNS WARMUP_MS WINDOW_MS CPU
%%          MODE  passive | active | packet4
%%          CLOCK none | mono | localtime    (the rate update's clock; none: no update)
%%          CPU   the CPU the VM is pinned to (its /proc/stat line is read; -1: none)
%%        prints "PORT <n>" once listening, then one "RESULT k=v ..." line after the window.
%%        recv_erlang.escript bench N   -> "BENCH k=v ..." (ns per operation)
%%        recv_erlang.escript latency N -> "PORT <n>", then after N stamps a "SAMPLE slept_ns latency_ns stamp_ns"
%%                                       line each and "LATENCY vcsw=.. elapsed_ns=.. n=.."
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

main(["recv", Mode, Clock, Conns, Warm, Win, Cpu]) ->
    recv(list_to_atom(Mode), list_to_atom(Clock), list_to_integer(Conns),
         list_to_integer(Warm), list_to_integer(Win), list_to_integer(Cpu));
main(["bench", N]) ->
    bench(list_to_integer(N));
main(["latency", N]) ->
    latency(list_to_integer(N));
main(_) ->
    io:format(standard_error, "usage: recv_erlang.escript recv MODE CLOCK CONNS WARMUP_MS WINDOW_MS CPU | bench N~n", []),
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

%% Deliveries are binned by the gap since the VM's previous delivery (any connection), as
%% sim/cpu_model.h bins them: bin 0 under 1 us, bin k in [2^(k-1), 2^k) us, the last the rest.
-define(GAP_BINS, 24).

recv(Mode, Clock, Conns, Warm, Win, Cpu) ->
    {ok, L} = gen_tcp:listen(0, [binary, {active, false}, {reuseaddr, true}, {backlog, 1024}]),
    {ok, Port} = inet:port(L),
    io:format("PORT ~b~n", [Port]),
    Gaps = {atomics:new(1, [{signed, true}]), counters:new(?GAP_BINS, [write_concurrency])},
    atomics:put(element(1, Gaps), 1, erlang:monotonic_time(microsecond)),
    Procs = [accept_one(L, Mode, Clock, Gaps) || _ <- lists:seq(1, Conns)],
    timer:sleep(Warm),
    S0 = snapshot(Procs, Gaps, Cpu),
    timer:sleep(Win),
    S1 = snapshot(Procs, Gaps, Cpu),
    report(Mode, Clock, Conns, S0, S1),
    halt(0).

accept_one(L, Mode, Clock, Gaps) ->
    {ok, S} = gen_tcp:accept(L),
    C = counters:new(?NC, []),
    Pid = spawn(fun() -> receive go -> put(gaps, Gaps), start(Mode, S, C, Clock) end end),
    ok = gen_tcp:controlling_process(S, Pid),
    Pid ! go,
    {S, C}.

%% One delivery to this process (a recv returning data, an active message).
delivered(C) ->
    counters:add(C, ?C_READS, 1),
    {Last, Bins} = get(gaps),
    Now = erlang:monotonic_time(microsecond),
    Gap = Now - atomics:exchange(Last, 1, Now),
    counters:add(Bins, gap_bin(Gap) + 1, 1).

gap_bin(G) when G < 1 -> 0;
gap_bin(G) -> min(?GAP_BINS - 1, bits(G, 0)).

bits(0, N) -> N;
bits(G, N) -> bits(G bsr 1, N + 1).

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
            delivered(C),
            {Rest, Rate1} = frame(<<Buf/binary, Data/binary>>, C, Clock, Rate),
            Rate2 = receive tick -> on_tick(C, Clock, Rate1) after 0 -> Rate1 end,
            passive(S, C, Clock, Rate2, Rest);
        {error, _} -> ok
    end.

%% Active raw: every chunk the runtime reads arrives as a message; the process frames.
active(S, C, Clock, Rate, Buf) ->
    receive
        {tcp, S, Data} ->
            delivered(C),
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
            delivered(C),
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

%% CPU of every thread of this VM from the kernel's per-thread accounting (ns, user + system),
%% times scheduled in, voluntary and involuntary context switches; statistics(runtime) alongside
%% (user time only); the pinned CPU's busy time from /proc/stat (every process on it).
snapshot(Procs, {_, Bins}, Cpu) ->
    {Rt, _} = statistics(runtime),
    Task = task_totals(),
    Counts = lists:foldl(fun({_, C}, Acc) ->
                              [A + counters:get(C, I) || {A, I} <- lists:zip(Acc, lists:seq(1, ?NC))]
                         end, lists:duplicate(?NC, 0), Procs),
    {Segs, Acks} = lists:foldl(fun({S, _}, {A, B}) -> {Si, So} = tcp_counts(S), {A + Si, B + So} end, {0, 0}, Procs),
    Task#{rt => Rt, counts => Counts, segs => Segs, acks => Acks, busy => cpu_busy(Cpu),
          gaps => [counters:get(Bins, I) || I <- lists:seq(1, ?GAP_BINS)],
          t => erlang:monotonic_time(nanosecond), real => os:system_time(nanosecond)}.

task_totals() ->
    Dir = "/proc/self/task",
    {ok, Tasks} = file:list_dir(Dir),
    lists:foldl(fun(T, #{cpu := C, runs := R, vcsw := V, ivcsw := I} = Acc) ->
                        case file:read_file(Dir ++ "/" ++ T ++ "/schedstat") of
                            {ok, B} ->
                                [Ns, _Wait, Runs | _] = string:lexemes(binary_to_list(B), " \n"),
                                {V1, I1} = switches(Dir ++ "/" ++ T ++ "/status"),
                                Acc#{cpu := C + list_to_integer(Ns), runs := R + list_to_integer(Runs),
                                     vcsw := V + V1, ivcsw := I + I1};
                            _ -> Acc
                        end
                end, #{cpu => 0, runs => 0, vcsw => 0, ivcsw => 0}, Tasks).

switches(File) ->
    {ok, B} = file:read_file(File),
    Field = fun(Key) ->
                    case re:run(B, "\n" ++ Key ++ ":\\s+(\\d+)", [{capture, all_but_first, list}]) of
                        {match, [N]} -> list_to_integer(N);
                        nomatch -> 0
                    end
            end,
    {Field("voluntary_ctxt_switches"), Field("nonvoluntary_ctxt_switches")}.

cpu_busy(Cpu) when Cpu < 0 -> 0;
cpu_busy(Cpu) ->
    {ok, B} = file:read_file("/proc/stat"),
    Want = "cpu" ++ integer_to_list(Cpu),
    [Line] = [L || L <- string:lexemes(binary_to_list(B), "\n"), hd(string:lexemes(L, " ")) =:= Want],
    [U, N, Sy, _Idle, _Io, Irq, Soft | _] = [list_to_integer(X) || X <- tl(string:lexemes(Line, " "))] ++ [0],
    (U + N + Sy + Irq + Soft) * 10000000.                 % USER_HZ = 100: 10 ms per tick

%% tcpi_segs_out and tcpi_data_segs_in of struct tcp_info (linux/tcp.h, offsets 136 and 152):
%% segments the receiver sent (ACKs) and data segments it received.
tcp_counts(S) ->
    case inet:getopts(S, [{raw, 6, 11, 256}]) of
        {ok, [{raw, 6, 11, Bin}]} when byte_size(Bin) >= 156 ->
            <<_:136/binary, SegsOut:32/native, _:12/binary, DataSegsIn:32/native, _/binary>> = Bin,
            {DataSegsIn, SegsOut};
        _ -> {0, 0}
    end.

report(Mode, Clock, Conns, S0, S1) ->
    D = fun(K) -> maps:get(K, S1) - maps:get(K, S0) end,
    [Reads, Msgs, Bytes, Updates, Ticks] =
        [B - A || {A, B} <- lists:zip(maps:get(counts, S0), maps:get(counts, S1))],
    Gaps = string:join([integer_to_list(B - A) || {A, B} <- lists:zip(maps:get(gaps, S0), maps:get(gaps, S1))], "/"),
    io:format("RESULT mode=~s clock=~s conns=~b window_ns=~b cpu_ns=~b runs=~b vcsw=~b ivcsw=~b runtime_ms=~b "
              "cpu_busy_ns=~b segs=~b acks=~b reads=~b msgs=~b bytes=~b updates=~b ticks=~b gaps=~s t0_ns=~b t1_ns=~b "
              "runtime=~s~n",
              [Mode, Clock, Conns, D(t), D(cpu), D(runs), D(vcsw), D(ivcsw), D(rt), D(busy), D(segs), D(acks),
               Reads, Msgs, Bytes, Updates, Ticks, Gaps, maps:get(real, S0), maps:get(real, S1),
               "erts-" ++ erlang:system_info(version) ++ "/OTP-" ++ erlang:system_info(otp_release)]).

%% ------------------------------------------------------------------ wake-up latency

%% The sender writes 8-byte CLOCK_REALTIME stamps (ns, big-endian) 0.1-10 ms apart; each arrival
%% finds the VM asleep, and the latency is the stamp's age when the process holds it: the poll
%% thread, the scheduler and the process all woke meanwhile.  Each sample also says how long the
%% process had waited when the stamp was sent (the stamp less the time it entered receive); the
%% samples are printed after the run ("SAMPLE slept_ns latency_ns"), the caller bins them.  The
%% VM's voluntary context switches over the run say how many OS threads one such wake-up takes.
latency(N) ->
    {ok, L} = gen_tcp:listen(0, [binary, {active, false}, {reuseaddr, true}]),
    {ok, Port} = inet:port(L),
    io:format("PORT ~b~n", [Port]),
    {ok, S} = gen_tcp:accept(L),
    ok = inet:setopts(S, [{active, true}]),
    %% reading /proc goes through the file driver and wakes threads itself: measured once idle
    #{vcsw := V00} = task_totals(),
    #{vcsw := V0} = task_totals(),
    T0 = erlang:monotonic_time(nanosecond),
    Samples = lists:reverse(latency_loop(S, N, [])),
    #{vcsw := V1} = task_totals(),
    T1 = erlang:monotonic_time(nanosecond),
    [io:format("SAMPLE ~b ~b ~b~n", [Slept, Lat, Stamp]) || {Slept, Lat, Stamp} <- Samples],
    io:format("LATENCY vcsw=~b elapsed_ns=~b n=~b~n",
              [max(0, (V1 - V0) - (V0 - V00)), T1 - T0, length(Samples)]),
    halt(0).

%% Two stamps arriving together are one delivery: the later one's age is the sample.
latency_loop(_, N, Acc) when N =< 0 -> Acc;
latency_loop(S, N, Acc) ->
    Before = os:system_time(nanosecond),
    receive
        {tcp, S, Data} ->
            Now = os:system_time(nanosecond),
            <<_:(byte_size(Data) - 8)/binary, Stamp:64/big>> = Data,
            latency_loop(S, N - byte_size(Data) div 8, [{Stamp - Before, Now - Stamp, Stamp} | Acc]);
        {tcp_closed, S} -> Acc
    end.

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
