#include "pg_baseline.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>

#include "base/check.h"

namespace corridor::bench {
namespace {

using ledger::Account;
using ledger::CreateTransferResult;
using ledger::Transfer;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// The SQL. `{name}` in the function stands for a number of ledger/types.h (see kSqlTokens), so
// that the result codes the function returns are the engine's by construction.

constexpr std::string_view kSchemaSql = R"sql(
-- ids and user_data are u128 as uuid: 16 fixed bytes, compared as bytes (big-endian, so in
-- numeric order). Amounts and balances are numeric(39,0), checked against 2^128-1 by the
-- function. u32 fields are bigint (no unsigned int in PostgreSQL); u16 fields integer.
CREATE TABLE accounts (
  id uuid PRIMARY KEY,
  debits_pending numeric(39, 0) NOT NULL,
  debits_posted numeric(39, 0) NOT NULL,
  credits_pending numeric(39, 0) NOT NULL,
  credits_posted numeric(39, 0) NOT NULL,
  user_data uuid NOT NULL,
  ledger bigint NOT NULL,
  code integer NOT NULL,
  flags integer NOT NULL,
  "timestamp" bigint NOT NULL
) WITH (fillfactor = 50);  -- Room on each page for HOT updates of the balances.

CREATE TABLE transfers (
  id uuid PRIMARY KEY,
  debit_account_id uuid NOT NULL,
  credit_account_id uuid NOT NULL,
  amount numeric(39, 0) NOT NULL,
  pending_id uuid NOT NULL,
  user_data uuid NOT NULL,
  timeout bigint NOT NULL,
  ledger bigint NOT NULL,
  code integer NOT NULL,
  flags integer NOT NULL,
  "timestamp" bigint NOT NULL,
  state smallint NOT NULL  -- ledger::PendingState.
);

-- One answer per id: ids of failed events with their result.
CREATE TABLE transfer_failures (id uuid PRIMARY KEY, result smallint NOT NULL);

-- The last timestamp given to an event.
CREATE TABLE ledger_clock (last_timestamp bigint NOT NULL);
INSERT INTO ledger_clock VALUES (0);
)sql";

constexpr std::string_view kAccountTransferIndexesSql = R"sql(
CREATE INDEX transfers_debit ON transfers (debit_account_id, "timestamp");
CREATE INDEX transfers_credit ON transfers (credit_account_id, "timestamp");
)sql";

// create_transfers(events as 13 arrays, one element per event) returns one result per event.
//
// One call is one transaction. Set-based statements read what the batch refers to (known
// transfers and failures, and its accounts, locked in id order) into PL/pgSQL arrays; one loop
// then applies the checks of ledger/README.md event by event, in order, against those arrays;
// set-based statements write the new transfers, each changed account once, the changed pending
// states and the new failures. Linked chains are refused (an exception: no result at all).
constexpr std::string_view kFunctionSql = R"sql(
CREATE FUNCTION create_transfers(
    t_id uuid[], t_dr uuid[], t_cr uuid[], t_amount numeric[], t_pending uuid[],
    t_user_data uuid[], t_timeout bigint[], t_ledger bigint[], t_code integer[],
    t_flags integer[], t_timestamp bigint[], t_reserved bigint[], t_reserved2 bigint[])
RETURNS smallint[] LANGUAGE plpgsql
-- Plan each statement with the batch's arrays in view: a generic plan guesses 10 elements.
SET plan_cache_mode = force_custom_plan
-- Blind to the arrays' contents, the planner prefers sort + merge joins to hash joins, which
-- are measured twice as fast here.
SET enable_mergejoin = off
AS $fn$
DECLARE
  c_zero CONSTANT uuid := '00000000-0000-0000-0000-000000000000';
  c_max CONSTANT uuid := 'ffffffff-ffff-ffff-ffff-ffffffffffff';
  c_u128_max CONSTANT numeric := 340282366920938463463374607431768211455;
  c_ts_max CONSTANT bigint := 9223372036854775807;
  n CONSTANT integer := cardinality(t_id);
  t_first bigint;  -- Event i gets timestamp t_first + i - 1.
  -- Transfers of the table that events refer to (by id or pending_id): slot k.
  k_id uuid[]; k_flags integer[]; k_pending uuid[]; k_timeout bigint[]; k_dr uuid[];
  k_cr uuid[]; k_amount numeric[]; k_user_data uuid[]; k_ledger bigint[]; k_code integer[];
  k_state smallint[]; k_timestamp bigint[]; k_ds integer[]; k_cs integer[];
  f_id uuid[]; f_result smallint[];  -- Remembered failures of the batch's ids.
  -- Accounts the batch touches, locked in id order: slot a.
  a_id uuid[]; a_ledger bigint[]; a_flags integer[];
  a_dp numeric[]; a_dpo numeric[]; a_cp numeric[]; a_cpo numeric[];
  -- Per event: slot of its id among k (0: none), remembered failure (-1: none), first event
  -- of the batch with its id, slot of its pending_id among k, first event with that id,
  -- slots of its accounts (0: not found).
  e_i bigint[]; e_k integer[]; e_fail smallint[]; e_first integer[]; e_pk integer[]; e_pj integer[];
  e_ds integer[]; e_cs integer[];
  -- Records made by this batch where they differ from the event (NULL: the event's field).
  b_amount numeric[]; b_state smallint[]; b_dr uuid[]; b_cr uuid[]; b_user_data uuid[];
  b_ledger bigint[]; b_code integer[];
  res smallint[];
  -- Scratch for one event.
  r integer; fl integer; ds integer; cs integer; amt numeric; j integer; pk integer;
  ex_flags integer; ex_pending uuid; ex_timeout bigint; ex_dr uuid; ex_cr uuid;
  ex_amount numeric; ex_user_data uuid; ex_ledger bigint; ex_code integer;
  pd_flags integer; pd_dr uuid; pd_cr uuid; pd_amount numeric; pd_user_data uuid;
  pd_timeout bigint; pd_ledger bigint; pd_code integer; pd_state smallint; pd_ts bigint;
BEGIN
  IF n = 0 THEN RETURN '{}'; END IF;
  UPDATE ledger_clock
     SET last_timestamp = greatest(last_timestamp + n,
                                   (extract(epoch FROM clock_timestamp()) * 1e9)::bigint)
  RETURNING last_timestamp - n + 1 INTO t_first;

  SELECT coalesce(array_agg(t.id), '{}'), array_agg(t.flags), array_agg(t.pending_id),
         array_agg(t.timeout), array_agg(t.debit_account_id), array_agg(t.credit_account_id),
         array_agg(t.amount), array_agg(t.user_data), array_agg(t.ledger), array_agg(t.code),
         array_agg(t.state), array_agg(t."timestamp")
    INTO k_id, k_flags, k_pending, k_timeout, k_dr, k_cr, k_amount, k_user_data, k_ledger,
         k_code, k_state, k_timestamp
    FROM transfers t
   WHERE t.id = ANY(t_id || t_pending);
  SELECT coalesce(array_agg(f.id), '{}'), array_agg(f.result) INTO f_id, f_result
    FROM transfer_failures f
   WHERE f.id = ANY(t_id);

  -- Lock every account of the batch in id order (no deadlock with another writer). The slots
  -- follow that order; all arrays of one aggregate see the rows in the same order.
  SELECT coalesce(array_agg(a.id), '{}'), array_agg(a.ledger), array_agg(a.flags),
         array_agg(a.debits_pending), array_agg(a.debits_posted), array_agg(a.credits_pending),
         array_agg(a.credits_posted)
    INTO a_id, a_ledger, a_flags, a_dp, a_dpo, a_cp, a_cpo
    FROM (SELECT * FROM accounts
           WHERE id = ANY(t_dr || t_cr || k_dr || k_cr)
           ORDER BY id FOR NO KEY UPDATE) a;

  IF cardinality(k_id) > 0 THEN
    -- Re-read states under the account locks: whoever changes a state holds them.
    SELECT array_agg(t.state ORDER BY u.k), array_agg(coalesce(d.k, 0) ORDER BY u.k),
           array_agg(coalesce(c.k, 0) ORDER BY u.k)
      INTO k_state, k_ds, k_cs
      FROM unnest(k_id, k_dr, k_cr) WITH ORDINALITY AS u(id, dr, cr, k)
      JOIN transfers t ON t.id = u.id
      LEFT JOIN unnest(a_id) WITH ORDINALITY AS d(id, k) ON d.id = u.dr
      LEFT JOIN unnest(a_id) WITH ORDINALITY AS c(id, k) ON c.id = u.cr;
  END IF;

  -- Per event, in event order (the sorted subquery feeds the aggregates in order; e_i checks
  -- it, since SQL does not promise it).
  WITH b AS MATERIALIZED (
    SELECT u.id, min(u.i) AS i FROM unnest(t_id) WITH ORDINALITY AS u(id, i) GROUP BY u.id)
  SELECT array_agg(m.i), array_agg(m.k), array_agg(m.f), array_agg(m.first_i), array_agg(m.pk),
         array_agg(m.pj), array_agg(m.ds), array_agg(m.cs)
    INTO e_i, e_k, e_fail, e_first, e_pk, e_pj, e_ds, e_cs
    FROM (SELECT e.i, coalesce(ke.k, 0) AS k, coalesce(f.result, -1) AS f, b1.i AS first_i,
                 coalesce(kp.k, 0) AS pk, coalesce(b2.i, 0) AS pj, coalesce(ad.k, 0) AS ds,
                 coalesce(ac.k, 0) AS cs
            FROM unnest(t_id, t_pending, t_dr, t_cr) WITH ORDINALITY AS e(id, pending, dr, cr, i)
            JOIN b AS b1 ON b1.id = e.id
            LEFT JOIN b AS b2 ON b2.id = e.pending
            LEFT JOIN unnest(k_id) WITH ORDINALITY AS ke(id, k) ON ke.id = e.id
            LEFT JOIN unnest(f_id, f_result) AS f(id, result) ON f.id = e.id
            LEFT JOIN unnest(k_id) WITH ORDINALITY AS kp(id, k) ON kp.id = e.pending
            LEFT JOIN unnest(a_id) WITH ORDINALITY AS ad(id, k) ON ad.id = e.dr
            LEFT JOIN unnest(a_id) WITH ORDINALITY AS ac(id, k) ON ac.id = e.cr
           ORDER BY e.i) m;

  res := array_fill(0::smallint, ARRAY[n]);
  b_amount := array_fill(NULL::numeric, ARRAY[n]);
  b_state := array_fill(NULL::smallint, ARRAY[n]);
  b_dr := array_fill(NULL::uuid, ARRAY[n]);
  b_cr := b_dr;
  b_user_data := b_dr;
  b_ledger := array_fill(NULL::bigint, ARRAY[n]);
  b_code := array_fill(NULL::integer, ARRAY[n]);

  FOR i IN 1..n LOOP
    fl := t_flags[i];
    r := CASE
      WHEN e_i[i] <> i THEN -4
      WHEN fl & {linked} <> 0 THEN -1
      WHEN t_timestamp[i] <> 0 THEN {timestamp_must_be_zero}
      WHEN fl & ~{flags_known} <> 0 OR t_reserved[i] <> 0 OR t_reserved2[i] <> 0
        THEN {reserved_flag}
      WHEN t_id[i] = c_zero THEN {id_must_not_be_zero}
      WHEN t_id[i] = c_max THEN {id_must_not_be_int_max}
      WHEN e_k[i] <> 0 OR e_fail[i] >= 0 OR e_first[i] < i THEN -2
      WHEN fl & ({post} | {void}) <> 0 THEN -3
      WHEN t_dr[i] = c_zero THEN {debit_account_id_must_not_be_zero}
      WHEN t_dr[i] = c_max THEN {debit_account_id_must_not_be_int_max}
      WHEN t_cr[i] = c_zero THEN {credit_account_id_must_not_be_zero}
      WHEN t_cr[i] = c_max THEN {credit_account_id_must_not_be_int_max}
      WHEN t_dr[i] = t_cr[i] THEN {accounts_must_be_different}
      WHEN t_pending[i] <> c_zero THEN {pending_id_must_be_zero}
      WHEN fl & {pending} = 0 AND t_timeout[i] <> 0 THEN {timeout_reserved_for_pending_transfer}
      WHEN t_ledger[i] = 0 THEN {ledger_must_not_be_zero}
      WHEN t_code[i] = 0 THEN {code_must_not_be_zero}
      WHEN e_ds[i] = 0 THEN {debit_account_not_found}
      WHEN e_cs[i] = 0 THEN {credit_account_not_found}
      ELSE 0 END;

    IF r = 0 THEN
      -- A new single-phase or pending transfer.
      ds := e_ds[i];
      cs := e_cs[i];
      amt := t_amount[i];
      IF fl & ({balancing_debit} | {balancing_credit}) <> 0 THEN
        IF fl & {balancing_debit} <> 0 THEN
          amt := least(amt, greatest(a_cpo[ds] - a_dpo[ds] - a_dp[ds], 0));
        END IF;
        IF fl & {balancing_credit} <> 0 THEN
          amt := least(amt, greatest(a_dpo[cs] - a_cpo[cs] - a_cp[cs], 0));
        END IF;
        b_amount[i] := amt;
      END IF;
      r := CASE
        WHEN a_ledger[ds] <> a_ledger[cs] THEN {accounts_must_have_the_same_ledger}
        WHEN t_ledger[i] <> a_ledger[ds] THEN {transfer_must_have_the_same_ledger_as_accounts}
        WHEN fl & {pending} <> 0 AND amt + a_dp[ds] > c_u128_max THEN {overflows_debits_pending}
        WHEN fl & {pending} <> 0 AND amt + a_cp[cs] > c_u128_max THEN {overflows_credits_pending}
        WHEN amt + a_dpo[ds] > c_u128_max THEN {overflows_debits_posted}
        WHEN amt + a_cpo[cs] > c_u128_max THEN {overflows_credits_posted}
        WHEN amt + a_dp[ds] + a_dpo[ds] > c_u128_max THEN {overflows_debits}
        WHEN amt + a_cp[cs] + a_cpo[cs] > c_u128_max THEN {overflows_credits}
        WHEN t_timeout[i] * 1000000000 > c_ts_max - (t_first + i - 1) THEN {overflows_timeout}
        WHEN a_flags[ds] & {debits_must_not_exceed_credits} <> 0
             AND a_dp[ds] + a_dpo[ds] + amt > a_cpo[ds] THEN {exceeds_credits}
        WHEN a_flags[cs] & {credits_must_not_exceed_debits} <> 0
             AND a_cp[cs] + a_cpo[cs] + amt > a_dpo[cs] THEN {exceeds_debits}
        ELSE 0 END;
      IF r = 0 THEN
        IF fl & {pending} <> 0 THEN
          a_dp[ds] := a_dp[ds] + amt;
          a_cp[cs] := a_cp[cs] + amt;
        ELSE
          a_dpo[ds] := a_dpo[ds] + amt;
          a_cpo[cs] := a_cpo[cs] + amt;
        END IF;
      END IF;
      CONTINUE WHEN r = 0;
    ELSIF r = -1 THEN
      RAISE EXCEPTION 'create_transfers: linked chains are not supported (event %)', i;
    ELSIF r = -4 THEN
      RAISE EXCEPTION 'create_transfers: events out of order';
    END IF;

    IF r = -2 THEN
      -- The id is known: the same answer again, or a comparison with the stored record.
      IF e_k[i] <> 0 THEN
        pk := e_k[i];
        ex_flags := k_flags[pk]; ex_pending := k_pending[pk]; ex_timeout := k_timeout[pk];
        ex_dr := k_dr[pk]; ex_cr := k_cr[pk]; ex_amount := k_amount[pk];
        ex_user_data := k_user_data[pk]; ex_ledger := k_ledger[pk]; ex_code := k_code[pk];
      ELSIF e_fail[i] >= 0 THEN
        r := e_fail[i];
      ELSIF res[e_first[i]] <> 0 THEN
        r := res[e_first[i]];
      ELSE
        j := e_first[i];
        ex_flags := t_flags[j]; ex_pending := t_pending[j]; ex_timeout := t_timeout[j];
        ex_dr := coalesce(b_dr[j], t_dr[j]); ex_cr := coalesce(b_cr[j], t_cr[j]);
        ex_amount := coalesce(b_amount[j], t_amount[j]);
        ex_user_data := coalesce(b_user_data[j], t_user_data[j]);
        ex_ledger := coalesce(b_ledger[j], t_ledger[j]); ex_code := coalesce(b_code[j], t_code[j]);
      END IF;
    END IF;

    IF r = -2 OR r = -3 THEN
      -- Find the pending transfer of a post/void: in the table (pk) or made by event j.
      pk := 0; j := 0; pd_flags := NULL;
      IF fl & ({post} | {void}) <> 0 THEN
        pk := e_pk[i];
        IF pk = 0 THEN
          j := e_pj[i];
          IF j = 0 OR j >= i OR res[j] <> 0 THEN j := 0; END IF;
        END IF;
      END IF;
      IF pk <> 0 THEN
        pd_flags := k_flags[pk]; pd_dr := k_dr[pk]; pd_cr := k_cr[pk]; pd_amount := k_amount[pk];
        pd_user_data := k_user_data[pk]; pd_timeout := k_timeout[pk]; pd_ledger := k_ledger[pk];
        pd_code := k_code[pk]; pd_state := k_state[pk]; pd_ts := k_timestamp[pk];
        ds := k_ds[pk]; cs := k_cs[pk];
      ELSIF j <> 0 THEN
        pd_flags := t_flags[j]; pd_dr := coalesce(b_dr[j], t_dr[j]);
        pd_cr := coalesce(b_cr[j], t_cr[j]); pd_amount := coalesce(b_amount[j], t_amount[j]);
        pd_user_data := coalesce(b_user_data[j], t_user_data[j]); pd_timeout := t_timeout[j];
        pd_ledger := coalesce(b_ledger[j], t_ledger[j]); pd_code := coalesce(b_code[j], t_code[j]);
        pd_state := coalesce(b_state[j], {state_pending}); pd_ts := t_first + j - 1;
        ds := e_ds[j]; cs := e_cs[j];
      END IF;
    END IF;

    IF r = -2 THEN
      r := CASE
        WHEN fl <> ex_flags THEN {exists_with_different_flags}
        WHEN t_pending[i] <> ex_pending THEN {exists_with_different_pending_id}
        WHEN t_timeout[i] <> ex_timeout THEN {exists_with_different_timeout}
        WHEN fl & ({post} | {void}) = 0 THEN CASE
          WHEN t_dr[i] <> ex_dr THEN {exists_with_different_debit_account_id}
          WHEN t_cr[i] <> ex_cr THEN {exists_with_different_credit_account_id}
          WHEN fl & ({balancing_debit} | {balancing_credit}) <> 0 AND t_amount[i] < ex_amount
            THEN {exists_with_different_amount}
          WHEN fl & ({balancing_debit} | {balancing_credit}) = 0 AND t_amount[i] <> ex_amount
            THEN {exists_with_different_amount}
          WHEN t_user_data[i] <> ex_user_data THEN {exists_with_different_user_data}
          WHEN t_ledger[i] <> ex_ledger THEN {exists_with_different_ledger}
          WHEN t_code[i] <> ex_code THEN {exists_with_different_code}
          ELSE {exists} END
        ELSE CASE
          WHEN t_dr[i] <> c_zero AND t_dr[i] <> ex_dr THEN {exists_with_different_debit_account_id}
          WHEN t_cr[i] <> c_zero AND t_cr[i] <> ex_cr THEN {exists_with_different_credit_account_id}
          -- The event's amount read as it would be applied (see amt below), against what the
          -- stored post or void moved.
          WHEN ex_amount <> CASE WHEN t_amount[i] = CASE WHEN fl & {post} <> 0 THEN c_u128_max
                                                         ELSE 0 END
                                 THEN pd_amount ELSE t_amount[i] END
            THEN {exists_with_different_amount}
          WHEN t_user_data[i] = c_zero AND ex_user_data <> pd_user_data
            THEN {exists_with_different_user_data}
          WHEN t_user_data[i] <> c_zero AND ex_user_data <> t_user_data[i]
            THEN {exists_with_different_user_data}
          WHEN t_ledger[i] <> 0 AND t_ledger[i] <> ex_ledger THEN {exists_with_different_ledger}
          WHEN t_code[i] <> 0 AND t_code[i] <> ex_code THEN {exists_with_different_code}
          ELSE {exists} END
        END;
    ELSIF r = -3 THEN
      -- A post of 2^128-1 posts the whole pending amount, any other amount (0 too) that much,
      -- the rest released (TigerBeetle 0.16); a void's 0 means the whole pending amount.
      amt := CASE WHEN t_amount[i] = CASE WHEN fl & {post} <> 0 THEN c_u128_max ELSE 0 END
                  THEN pd_amount ELSE t_amount[i] END;
      r := CASE
        WHEN fl & ({post} | {void}) = ({post} | {void}) THEN {flags_are_mutually_exclusive}
        WHEN fl & ({pending} | {balancing_debit} | {balancing_credit}) <> 0
          THEN {flags_are_mutually_exclusive}
        WHEN t_pending[i] = c_zero THEN {pending_id_must_not_be_zero}
        WHEN t_pending[i] = c_max THEN {pending_id_must_not_be_int_max}
        WHEN t_pending[i] = t_id[i] THEN {pending_id_must_be_different}
        WHEN t_timeout[i] <> 0 THEN {timeout_reserved_for_pending_transfer}
        WHEN pd_flags IS NULL THEN {pending_transfer_not_found}
        WHEN pd_flags & {pending} = 0 THEN {pending_transfer_not_pending}
        WHEN t_dr[i] <> c_zero AND t_dr[i] <> pd_dr
          THEN {pending_transfer_has_different_debit_account_id}
        WHEN t_cr[i] <> c_zero AND t_cr[i] <> pd_cr
          THEN {pending_transfer_has_different_credit_account_id}
        WHEN t_ledger[i] <> 0 AND t_ledger[i] <> pd_ledger THEN {pending_transfer_has_different_ledger}
        WHEN t_code[i] <> 0 AND t_code[i] <> pd_code THEN {pending_transfer_has_different_code}
        WHEN amt > pd_amount THEN {exceeds_pending_transfer_amount}
        WHEN fl & {void} <> 0 AND amt < pd_amount THEN {pending_transfer_has_different_amount}
        WHEN pd_state = {state_posted} THEN {pending_transfer_already_posted}
        WHEN pd_state = {state_voided} THEN {pending_transfer_already_voided}
        WHEN pd_state = {state_expired} THEN {pending_transfer_expired}
        WHEN pd_timeout > 0 AND pd_ts + pd_timeout * 1000000000 <= t_first + i - 1
          THEN {pending_transfer_expired}
        ELSE 0 END;
      IF r = 0 THEN
        a_dp[ds] := a_dp[ds] - pd_amount;
        a_cp[cs] := a_cp[cs] - pd_amount;
        IF fl & {post} <> 0 THEN
          a_dpo[ds] := a_dpo[ds] + amt;
          a_cpo[cs] := a_cpo[cs] + amt;
        END IF;
        IF pk <> 0 THEN
          k_state[pk] := CASE WHEN fl & {post} <> 0 THEN {state_posted} ELSE {state_voided} END;
        ELSE
          b_state[j] := CASE WHEN fl & {post} <> 0 THEN {state_posted} ELSE {state_voided} END;
        END IF;
        b_dr[i] := pd_dr; b_cr[i] := pd_cr; b_amount[i] := amt; b_ledger[i] := pd_ledger;
        b_code[i] := pd_code;
        b_user_data[i] := CASE WHEN t_user_data[i] = c_zero THEN pd_user_data ELSE t_user_data[i] END;
      END IF;
    END IF;
    res[i] := r;
  END LOOP;

  INSERT INTO transfers (id, debit_account_id, credit_account_id, amount, pending_id, user_data,
                         timeout, ledger, code, flags, "timestamp", state)
  SELECT u.id, coalesce(u.bdr, u.dr), coalesce(u.bcr, u.cr), coalesce(u.bamt, u.amt), u.pending,
         coalesce(u.bud, u.ud), u.timeout, coalesce(u.bled, u.led), coalesce(u.bcode, u.code),
         u.flags, t_first + u.i - 1,
         CASE WHEN u.flags & {pending} <> 0 THEN coalesce(u.bstate, {state_pending})
              ELSE {state_none} END
    FROM unnest(t_id, t_dr, t_cr, t_amount, t_pending, t_user_data, t_timeout, t_ledger, t_code,
                t_flags, res, b_dr, b_cr, b_amount, b_user_data, b_ledger, b_code, b_state)
         WITH ORDINALITY AS u(id, dr, cr, amt, pending, ud, timeout, led, code, flags, r,
                              bdr, bcr, bamt, bud, bled, bcode, bstate, i)
   WHERE u.r = 0;

  UPDATE accounts a
     SET debits_pending = u.dp, debits_posted = u.dpo, credits_pending = u.cp,
         credits_posted = u.cpo
    FROM unnest(a_id, a_dp, a_dpo, a_cp, a_cpo) AS u(id, dp, dpo, cp, cpo)
   WHERE a.id = u.id
     AND (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
         IS DISTINCT FROM (u.dp, u.dpo, u.cp, u.cpo);

  IF cardinality(k_id) > 0 THEN
    UPDATE transfers t SET state = u.state
      FROM unnest(k_id, k_state) AS u(id, state)
     WHERE t.id = u.id AND t.state <> u.state;
  END IF;

  -- One answer per id: remember the first failure of an id that is not yet known.
  INSERT INTO transfer_failures (id, result)
  SELECT u.id, u.r
    FROM unnest(t_id, res, e_k, e_fail, e_first) WITH ORDINALITY AS u(id, r, k, f, first_i, i)
   WHERE u.r <> 0 AND (u.r < {exists_with_different_flags} OR u.r > {exists})
     AND u.k = 0 AND u.f < 0 AND u.first_i = u.i AND u.id <> c_zero AND u.id <> c_max;
  RETURN res;
END
$fn$;
)sql";

struct SqlToken {
  std::string_view name;
  int value;
};

constexpr int Code(CreateTransferResult r) { return static_cast<int>(r); }
constexpr int State(ledger::PendingState s) { return static_cast<int>(s); }

constexpr SqlToken kSqlTokens[] = {
    {"timestamp_must_be_zero", Code(CreateTransferResult::timestamp_must_be_zero)},
    {"reserved_flag", Code(CreateTransferResult::reserved_flag)},
    {"id_must_not_be_zero", Code(CreateTransferResult::id_must_not_be_zero)},
    {"id_must_not_be_int_max", Code(CreateTransferResult::id_must_not_be_int_max)},
    {"exists_with_different_flags", Code(CreateTransferResult::exists_with_different_flags)},
    {"exists_with_different_pending_id",
     Code(CreateTransferResult::exists_with_different_pending_id)},
    {"exists_with_different_timeout", Code(CreateTransferResult::exists_with_different_timeout)},
    {"exists_with_different_debit_account_id",
     Code(CreateTransferResult::exists_with_different_debit_account_id)},
    {"exists_with_different_credit_account_id",
     Code(CreateTransferResult::exists_with_different_credit_account_id)},
    {"exists_with_different_amount", Code(CreateTransferResult::exists_with_different_amount)},
    {"exists_with_different_user_data",
     Code(CreateTransferResult::exists_with_different_user_data)},
    {"exists_with_different_ledger", Code(CreateTransferResult::exists_with_different_ledger)},
    {"exists_with_different_code", Code(CreateTransferResult::exists_with_different_code)},
    {"exists", Code(CreateTransferResult::exists)},
    {"flags_are_mutually_exclusive", Code(CreateTransferResult::flags_are_mutually_exclusive)},
    {"debit_account_id_must_not_be_zero",
     Code(CreateTransferResult::debit_account_id_must_not_be_zero)},
    {"debit_account_id_must_not_be_int_max",
     Code(CreateTransferResult::debit_account_id_must_not_be_int_max)},
    {"credit_account_id_must_not_be_zero",
     Code(CreateTransferResult::credit_account_id_must_not_be_zero)},
    {"credit_account_id_must_not_be_int_max",
     Code(CreateTransferResult::credit_account_id_must_not_be_int_max)},
    {"accounts_must_be_different", Code(CreateTransferResult::accounts_must_be_different)},
    {"pending_id_must_be_zero", Code(CreateTransferResult::pending_id_must_be_zero)},
    {"pending_id_must_not_be_zero", Code(CreateTransferResult::pending_id_must_not_be_zero)},
    {"pending_id_must_not_be_int_max", Code(CreateTransferResult::pending_id_must_not_be_int_max)},
    {"pending_id_must_be_different", Code(CreateTransferResult::pending_id_must_be_different)},
    {"timeout_reserved_for_pending_transfer",
     Code(CreateTransferResult::timeout_reserved_for_pending_transfer)},
    {"ledger_must_not_be_zero", Code(CreateTransferResult::ledger_must_not_be_zero)},
    {"code_must_not_be_zero", Code(CreateTransferResult::code_must_not_be_zero)},
    {"debit_account_not_found", Code(CreateTransferResult::debit_account_not_found)},
    {"credit_account_not_found", Code(CreateTransferResult::credit_account_not_found)},
    {"accounts_must_have_the_same_ledger",
     Code(CreateTransferResult::accounts_must_have_the_same_ledger)},
    {"transfer_must_have_the_same_ledger_as_accounts",
     Code(CreateTransferResult::transfer_must_have_the_same_ledger_as_accounts)},
    {"pending_transfer_not_found", Code(CreateTransferResult::pending_transfer_not_found)},
    {"pending_transfer_not_pending", Code(CreateTransferResult::pending_transfer_not_pending)},
    {"pending_transfer_has_different_debit_account_id",
     Code(CreateTransferResult::pending_transfer_has_different_debit_account_id)},
    {"pending_transfer_has_different_credit_account_id",
     Code(CreateTransferResult::pending_transfer_has_different_credit_account_id)},
    {"pending_transfer_has_different_ledger",
     Code(CreateTransferResult::pending_transfer_has_different_ledger)},
    {"pending_transfer_has_different_code",
     Code(CreateTransferResult::pending_transfer_has_different_code)},
    {"exceeds_pending_transfer_amount",
     Code(CreateTransferResult::exceeds_pending_transfer_amount)},
    {"pending_transfer_has_different_amount",
     Code(CreateTransferResult::pending_transfer_has_different_amount)},
    {"pending_transfer_already_posted",
     Code(CreateTransferResult::pending_transfer_already_posted)},
    {"pending_transfer_already_voided",
     Code(CreateTransferResult::pending_transfer_already_voided)},
    {"pending_transfer_expired", Code(CreateTransferResult::pending_transfer_expired)},
    {"overflows_debits_pending", Code(CreateTransferResult::overflows_debits_pending)},
    {"overflows_credits_pending", Code(CreateTransferResult::overflows_credits_pending)},
    {"overflows_debits_posted", Code(CreateTransferResult::overflows_debits_posted)},
    {"overflows_credits_posted", Code(CreateTransferResult::overflows_credits_posted)},
    {"overflows_debits", Code(CreateTransferResult::overflows_debits)},
    {"overflows_credits", Code(CreateTransferResult::overflows_credits)},
    {"overflows_timeout", Code(CreateTransferResult::overflows_timeout)},
    {"exceeds_credits", Code(CreateTransferResult::exceeds_credits)},
    {"exceeds_debits", Code(CreateTransferResult::exceeds_debits)},
    {"state_none", State(ledger::PendingState::none)},
    {"state_pending", State(ledger::PendingState::pending)},
    {"state_posted", State(ledger::PendingState::posted)},
    {"state_voided", State(ledger::PendingState::voided)},
    {"state_expired", State(ledger::PendingState::expired)},
    {"linked", ledger::kTransferLinked},
    {"pending", ledger::kTransferPending},
    {"post", ledger::kTransferPostPendingTransfer},
    {"void", ledger::kTransferVoidPendingTransfer},
    {"balancing_debit", ledger::kTransferBalancingDebit},
    {"balancing_credit", ledger::kTransferBalancingCredit},
    {"flags_known", ledger::kTransferFlagsKnown},
    {"debits_must_not_exceed_credits", ledger::kAccountDebitsMustNotExceedCredits},
    {"credits_must_not_exceed_debits", ledger::kAccountCreditsMustNotExceedDebits},
};

bool IsTokenName(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

// Replaces every `{name}` by its value from kSqlTokens.
std::string ExpandSql(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t end = text[i] == '{' ? text.find('}', i) : std::string_view::npos;
    const std::string_view name =
        end == std::string_view::npos ? std::string_view() : text.substr(i + 1, end - i - 1);
    if (!IsTokenName(name)) {
      out += text[i++];
      continue;
    }
    const SqlToken* token = std::find_if(std::begin(kSqlTokens), std::end(kSqlTokens),
                                         [name](const SqlToken& t) { return t.name == name; });
    CORRIDOR_CHECK(token != std::end(kSqlTokens));  // The SQL names a constant we lack.
    out += std::to_string(token->value);
    i = end + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The binary wire format of PostgreSQL array parameters and results (array_send, numeric_send).

constexpr uint32_t kOidInt4 = 23, kOidInt8 = 20, kOidNumeric = 1700, kOidUuid = 2950;
constexpr uint32_t kOidInt4Array = 1007, kOidInt8Array = 1016, kOidNumericArray = 1231,
                   kOidUuidArray = 2951;
constexpr int kNumericBase = 10000;
constexpr int kNumericDigitsMax = 10;  // 2^128 - 1 has 39 decimal digits.

// One array parameter in binary format, rebuilt for each batch.
class ArrayParam {
 public:
  void Reset(uint32_t element_oid, uint32_t count) {
    bytes_.clear();
    Put32(count == 0 ? 0 : 1);  // Dimensions.
    Put32(0);                   // No NULLs.
    Put32(element_oid);
    if (count == 0) return;
    Put32(count);
    Put32(1);  // Lower bound.
  }
  void AddUuid(u128 v) {
    Put32(16);
    for (int shift = 120; shift >= 0; shift -= 8) bytes_.push_back(static_cast<char>(v >> shift));
  }
  void AddInt8(uint64_t v) {
    Put32(8);
    Put32(static_cast<uint32_t>(v >> 32));
    Put32(static_cast<uint32_t>(v));
  }
  void AddInt4(uint32_t v) {
    Put32(4);
    Put32(v);
  }
  // numeric_send: digit count, weight, sign, display scale, then base-10000 digits.
  void AddNumeric(u128 v) {
    uint16_t digits[kNumericDigitsMax];  // Least significant first.
    int count = 0;
    for (; v > UINT64_MAX; v /= kNumericBase) {
      digits[count++] = static_cast<uint16_t>(v % kNumericBase);
    }
    for (uint64_t w = static_cast<uint64_t>(v); w != 0; w /= kNumericBase) {
      digits[count++] = static_cast<uint16_t>(w % kNumericBase);
    }
    Put32(8 + 2 * count);
    Put16(count);
    Put16(count == 0 ? 0 : count - 1);
    Put16(0);  // Positive.
    Put16(0);  // No fraction digits.
    for (int i = count - 1; i >= 0; --i) Put16(digits[i]);
  }
  const std::string& bytes() const { return bytes_; }

 private:
  void Put16(int v) {
    bytes_.push_back(static_cast<char>(v >> 8));
    bytes_.push_back(static_cast<char>(v));
  }
  void Put32(uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes_.push_back(static_cast<char>(v >> shift));
  }
  std::string bytes_;
};

uint32_t Get32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}
uint16_t Get16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>((u[0] << 8) | u[1]);
}

u128 GetUuid(const char* p) {
  u128 v = 0;
  for (int i = 0; i < 16; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// numeric_recv's input, for a non-negative integer below 2^128.
bool GetNumeric(const char* p, int size, u128* out) {
  if (size < 8) return false;
  const int count = Get16(p);
  const int weight = static_cast<int16_t>(Get16(p + 2));
  if (Get16(p + 4) != 0 || size != 8 + 2 * count || weight >= kNumericDigitsMax) return false;
  u128 v = 0;
  for (int i = 0; i <= weight; ++i) {
    const u128 digit = i < count ? Get16(p + 8 + 2 * i) : 0;
    if (v > (kU128Max - digit) / kNumericBase) return false;
    v = v * kNumericBase + digit;
  }
  *out = v;
  return count == 0 || weight >= count - 1;  // No fraction.
}

// A one-dimensional smallint[] result (array_send) of exactly `count` elements.
Status ParseResults(const char* p, int size, size_t count, std::vector<CreateTransferResult>* out) {
  const size_t header = count == 0 ? 12 : 20;
  if (size < 0 || static_cast<size_t>(size) != header + count * 6) {
    return Status::Error("create_transfers returned an array of unexpected size");
  }
  for (size_t i = 0; i < count; ++i) {
    const char* element = p + header + i * 6;
    const uint16_t code = Get16(element + 4);
    if (Get32(element) != 2 || code > Code(CreateTransferResult::exceeds_debits)) {
      return Status::Error("create_transfers returned an unknown result code");
    }
    out->push_back(static_cast<CreateTransferResult>(code));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// The server process: a fresh directory, initdb, postgres, stop, removal.

constexpr const char* kDefaultBinDir = "/usr/lib/postgresql/15/bin";
constexpr auto kStartTimeout = std::chrono::seconds(60);
constexpr auto kStopTimeout = std::chrono::seconds(30);
constexpr int kPortAttempts = 5;

// Settings for a write-heavy, single-writer ledger on 2 cores and 24 GiB (docs/BENCHMARKS.md says
// why each).
constexpr std::pair<const char*, const char*> kServerSettings[] = {
    {"listen_addresses", "127.0.0.1"},
    {"max_connections", "10"},
    {"fsync", "on"},
    {"synchronous_commit", "on"},
    {"full_page_writes", "on"},
    {"shared_buffers", "6GB"},
    {"wal_buffers", "64MB"},
    {"max_wal_size", "16GB"},
    {"min_wal_size", "1GB"},
    {"checkpoint_timeout", "15min"},
    {"checkpoint_completion_target", "0.9"},
    {"wal_compression", "lz4"},
    {"wal_writer_delay", "10ms"},
    {"jit", "off"},
    {"max_parallel_workers_per_gather", "0"},
    {"work_mem", "64MB"},
    {"random_page_cost", "1.1"},
    {"effective_cache_size", "16GB"},
    {"log_checkpoints", "on"},
};

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// The last `max_bytes` of a log file, for error messages.
std::string LogTail(const std::string& path, size_t max_bytes = 1500) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return "";
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), f)) > 0;) text.append(buf, n);
  std::fclose(f);
  return text.size() > max_bytes ? text.substr(text.size() - max_bytes) : text;
}

// Who runs the server: PostgreSQL refuses root, so root hands it to the `postgres` user.
struct RunAs {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

Status ChooseRunAs(RunAs* out) {
  if (geteuid() != 0) return Status::Ok();
  struct passwd pw;
  struct passwd* found = nullptr;
  std::array<char, 4096> buf;
  if (getpwnam_r("postgres", &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return Status::Error("running as root needs a `postgres` user to run the server");
  }
  *out = RunAs{true, pw.pw_uid, pw.pw_gid};
  return Status::Ok();
}

// A free TCP port on 127.0.0.1, by binding port 0 (the server binds it moments later).
Status FreePort(int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::Error(Errno("socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  const std::string error = ok ? "" : Errno("bind 127.0.0.1:0");
  close(fd);
  if (!ok) return Status::Error(error);
  *port = ntohs(addr.sin_port);
  return Status::Ok();
}

// In the child between fork and exec: system calls only (the parent may have threads).
[[noreturn]] void ExecChild(const RunAs& run_as, pid_t parent, int log_fd, const char* cwd,
                            char* const* argv, char* const* envp) {
  const bool ok =
      dup2(log_fd, STDOUT_FILENO) >= 0 && dup2(log_fd, STDERR_FILENO) >= 0 &&
      (!run_as.switch_user || (syscall(SYS_setgroups, 1, &run_as.gid) == 0 &&
                               syscall(SYS_setresgid, run_as.gid, run_as.gid, run_as.gid) == 0 &&
                               syscall(SYS_setresuid, run_as.uid, run_as.uid, run_as.uid) == 0)) &&
      // The server must not outlive us (set after the user switch, which clears it).
      prctl(PR_SET_PDEATHSIG, SIGQUIT) == 0 && getppid() == parent && chdir(cwd) == 0;
  if (ok) execve(argv[0], argv, envp);
  _exit(127);
}

// Starts `args` (args[0] a path) with output appended to `log_path`.
Status Spawn(const std::vector<std::string>& args, const RunAs& run_as, const std::string& cwd,
             const std::string& log_path, pid_t* pid) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::string env_path = "PATH=/usr/bin:/bin", env_locale = "LC_ALL=C";
  char* envp[] = {env_path.data(), env_locale.data(), nullptr};
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Status::Error(Errno("open " + log_path));
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child == 0) ExecChild(run_as, parent, log_fd, cwd.c_str(), argv.data(), envp);
  const std::string error = child < 0 ? Errno("fork") : "";
  close(log_fd);
  if (child < 0) return Status::Error(error);
  *pid = child;
  return Status::Ok();
}

class Server {
 public:
  Server() = default;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server() {
    Stop();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  Status Start(const PgOptions& options);
  const std::string& conninfo() const { return conninfo_; }

 private:
  Status MakeDir(const std::string& parent);
  Status InitDb();
  Status Launch(int port);
  Status WaitReady(bool* port_taken);
  void Stop();

  RunAs run_as_;
  std::string bin_dir_, dir_, conninfo_;
  pid_t pid_ = -1;
};

Status Server::Start(const PgOptions& options) {
  const char* env_bin = std::getenv("CORRIDOR_PG_BINDIR");
  bin_dir_ = !options.bin_dir.empty() ? options.bin_dir : env_bin ? env_bin : kDefaultBinDir;
  for (const char* tool : {"initdb", "postgres"}) {
    const std::string path = bin_dir_ + "/" + tool;
    if (access(path.c_str(), X_OK) != 0) {
      return Status::Error("PostgreSQL not found: " + path +
                           " is missing (install postgresql-15 "
                           "or set CORRIDOR_PG_BINDIR)");
    }
  }
  const char* env_tmp = std::getenv("TMPDIR");
  const std::string parent = !options.parent_dir.empty() ? options.parent_dir
                             : env_tmp                   ? env_tmp
                                                         : "/tmp";
  Status st = ChooseRunAs(&run_as_);
  if (st.ok()) st = MakeDir(parent);
  if (st.ok()) st = InitDb();
  for (int attempt = 0; st.ok() && attempt < kPortAttempts; ++attempt) {
    int port = 0;
    bool port_taken = false;
    st = FreePort(&port);
    if (st.ok()) st = Launch(port);
    if (st.ok()) st = WaitReady(&port_taken);
    if (st.ok() || !port_taken) return st;
    st = Status::Ok();  // Another process took the port first: try another.
  }
  return st.ok() ? Status::Error("no free port for PostgreSQL") : st;
}

Status Server::MakeDir(const std::string& parent) {
  std::string templ = parent + "/corridor-pg.XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) return Status::Error(Errno("mkdtemp " + templ));
  dir_ = templ;
  if (run_as_.switch_user && chown(dir_.c_str(), run_as_.uid, run_as_.gid) != 0) {
    return Status::Error(Errno("chown " + dir_));
  }
  return Status::Ok();
}

Status Server::InitDb() {
  const std::string log = dir_ + "/initdb.log";
  pid_t pid = -1;
  Status st = Spawn({bin_dir_ + "/initdb", "-D", dir_ + "/data", "-U", "postgres", "-A", "trust",
                     "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
                    run_as_, dir_, log, &pid);
  if (!st.ok()) return st;
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Status::Error("initdb failed:\n" + LogTail(log));
  }
  return Status::Ok();
}

Status Server::Launch(int port) {
  std::vector<std::string> args = {bin_dir_ + "/postgres", "-D", dir_ + "/data", "-k", dir_, "-p",
                                   std::to_string(port)};
  for (const auto& [name, value] : kServerSettings) {
    args.push_back("-c");
    args.push_back(std::string(name) + "=" + value);
  }
  conninfo_ = "host=127.0.0.1 port=" + std::to_string(port) + " user=postgres dbname=postgres";
  return Spawn(args, run_as_, dir_, dir_ + "/postgres.log", &pid_);
}

Status Server::WaitReady(bool* port_taken) {
  const auto deadline = Clock::now() + kStartTimeout;
  while (PQping(conninfo_.c_str()) != PQPING_OK) {
    int wstatus = 0;
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      const std::string log = LogTail(dir_ + "/postgres.log");
      *port_taken = log.find("already in use") != std::string::npos;
      return Status::Error("postgres exited at start:\n" + log);
    }
    if (Clock::now() > deadline) return Status::Error("postgres did not start within 60 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Ok();
}

// Immediate shutdown (SIGQUIT): the data is thrown away, so a shutdown checkpoint would only
// cost time. SIGKILL if it hangs.
void Server::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGQUIT);
  const auto deadline = Clock::now() + kStopTimeout;
  int wstatus = 0;
  while (waitpid(pid_, &wstatus, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &wstatus, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

// ---------------------------------------------------------------------------------------------
// The session: schema, accounts, the timed batches, the balances.

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

Status CheckResult(const PGresult* r, const char* what) {
  const ExecStatusType s = PQresultStatus(r);
  if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) return Status::Ok();
  return Status::Error(std::string(what) + ": " + PQresultErrorMessage(r));
}

Status Exec(PGconn* conn, std::string_view sql, const char* what) {
  const PgResult r(PQexec(conn, std::string(sql).c_str()));
  return CheckResult(r.get(), what);
}

// Parameters of one statement whose parameters are all binary arrays.
class ArrayParams {
 public:
  explicit ArrayParams(size_t count) : params_(count) {}
  ArrayParam& operator[](size_t i) { return params_[i]; }
  PGresult* Exec(PGconn* conn, const char* statement) {
    values_.clear();
    lengths_.clear();
    for (const ArrayParam& p : params_) {
      values_.push_back(p.bytes().data());
      lengths_.push_back(static_cast<int>(p.bytes().size()));
    }
    formats_.assign(params_.size(), 1);
    return PQexecPrepared(conn, statement, static_cast<int>(params_.size()), values_.data(),
                          lengths_.data(), formats_.data(), /*resultFormat=*/1);
  }

 private:
  std::vector<ArrayParam> params_;
  std::vector<const char*> values_;
  std::vector<int> lengths_, formats_;
};

constexpr const char* kInsertAccountsSql =
    "INSERT INTO accounts (id, debits_pending, debits_posted, credits_pending, credits_posted, "
    "user_data, ledger, code, flags, \"timestamp\") SELECT * FROM unnest($1::uuid[], "
    "$2::numeric[], $3::numeric[], $4::numeric[], $5::numeric[], $6::uuid[], $7::int8[], "
    "$8::int4[], $9::int4[], $10::int8[])";
constexpr size_t kAccountsPerInsert = 65536;

Status LoadAccounts(PGconn* conn, std::span<const Account> accounts) {
  const PgResult prepared(PQprepare(conn, "insert_accounts", kInsertAccountsSql, 0, nullptr));
  Status st = CheckResult(prepared.get(), "prepare insert_accounts");
  ArrayParams p(10);
  for (size_t start = 0; st.ok() && start < accounts.size(); start += kAccountsPerInsert) {
    const auto chunk =
        accounts.subspan(start, std::min(kAccountsPerInsert, accounts.size() - start));
    const uint32_t n = static_cast<uint32_t>(chunk.size());
    const uint32_t oids[] = {kOidUuid, kOidNumeric, kOidNumeric, kOidNumeric, kOidNumeric,
                             kOidUuid, kOidInt8,    kOidInt4,    kOidInt4,    kOidInt8};
    for (size_t i = 0; i < 10; ++i) p[i].Reset(oids[i], n);
    for (const Account& a : chunk) {
      p[0].AddUuid(a.id);
      p[1].AddNumeric(a.debits_pending);
      p[2].AddNumeric(a.debits_posted);
      p[3].AddNumeric(a.credits_pending);
      p[4].AddNumeric(a.credits_posted);
      p[5].AddUuid(a.user_data);
      p[6].AddInt8(a.ledger);
      p[7].AddInt4(a.code);
      p[8].AddInt4(a.flags);
      p[9].AddInt8(a.timestamp);
    }
    const PgResult r(p.Exec(conn, "insert_accounts"));
    st = CheckResult(r.get(), "load accounts");
  }
  return st;
}

constexpr const char* kCreateTransfersSql =
    "SELECT create_transfers($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
constexpr size_t kTransferParams = 13;
constexpr Oid kTransferParamTypes[kTransferParams] = {
    kOidUuidArray, kOidUuidArray, kOidUuidArray, kOidNumericArray, kOidUuidArray,
    kOidUuidArray, kOidInt8Array, kOidInt8Array, kOidInt4Array,    kOidInt4Array,
    kOidInt8Array, kOidInt8Array, kOidInt8Array};

// Encodes one batch as the 13 arrays of create_transfers.
void EncodeBatch(std::span<const Transfer> batch, ArrayParams* params) {
  ArrayParams& p = *params;
  const uint32_t n = static_cast<uint32_t>(batch.size());
  for (size_t i = 0; i < kTransferParams; ++i) {
    const Oid array_oid = kTransferParamTypes[i];
    p[i].Reset(array_oid == kOidUuidArray      ? kOidUuid
               : array_oid == kOidNumericArray ? kOidNumeric
               : array_oid == kOidInt8Array    ? kOidInt8
                                               : kOidInt4,
               n);
  }
  for (const Transfer& t : batch) {
    p[0].AddUuid(t.id);
    p[1].AddUuid(t.debit_account_id);
    p[2].AddUuid(t.credit_account_id);
    p[3].AddNumeric(t.amount);
    p[4].AddUuid(t.pending_id);
    p[5].AddUuid(t.user_data);
    p[6].AddInt8(t.timeout);
    p[7].AddInt8(t.ledger);
    p[8].AddInt4(t.code);
    p[9].AddInt4(t.flags);
    p[10].AddInt8(t.timestamp);
    p[11].AddInt8(t.reserved);
    p[12].AddInt8(t.reserved2);
  }
}

uint64_t Percentile(const std::vector<uint64_t>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(fraction * static_cast<double>(sorted.size()) + 0.999999);
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];  // Nearest rank.
}

// The timed part: one call of create_transfers per batch.
Status RunBatches(PGconn* conn, std::span<const Transfer> transfers, uint32_t batch_size,
                  PgRunResult* out) {
  const PgResult prepared(PQprepare(conn, "create_transfers", kCreateTransfersSql, kTransferParams,
                                    kTransferParamTypes));
  Status st = CheckResult(prepared.get(), "prepare create_transfers");
  ArrayParams params(kTransferParams);
  std::vector<uint64_t> latencies_us;
  out->results.reserve(transfers.size());
  const auto start = Clock::now();
  for (size_t begin = 0; st.ok() && begin < transfers.size(); begin += batch_size) {
    const auto batch =
        transfers.subspan(begin, std::min<size_t>(batch_size, transfers.size() - begin));
    const auto batch_start = Clock::now();
    EncodeBatch(batch, &params);
    const PgResult r(params.Exec(conn, "create_transfers"));
    st = CheckResult(r.get(), "create_transfers");
    if (st.ok() && (PQntuples(r.get()) != 1 || PQgetisnull(r.get(), 0, 0))) {
      st = Status::Error("create_transfers returned no result array");
    }
    if (st.ok()) {
      st = ParseResults(PQgetvalue(r.get(), 0, 0), PQgetlength(r.get(), 0, 0), batch.size(),
                        &out->results);
    }
    latencies_us.push_back(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - batch_start).count());
  }
  if (!st.ok()) return st;
  out->transfers = transfers.size();
  out->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out->transfers_per_second = out->seconds > 0 ? out->transfers / out->seconds : 0;
  std::sort(latencies_us.begin(), latencies_us.end());
  out->batch_latency_us_p50 = Percentile(latencies_us, 0.50);
  out->batch_latency_us_p99 = Percentile(latencies_us, 0.99);
  out->batch_latency_us_p100 = Percentile(latencies_us, 1.00);
  return Status::Ok();
}

// Reads every account's balances back, into `accounts`' order.
Status ReadBalances(PGconn* conn, std::span<const Account> accounts, PgRunResult* out) {
  const PgResult r(PQexecParams(conn,
                                "SELECT id, debits_pending, debits_posted, credits_pending, "
                                "credits_posted FROM accounts",
                                0, nullptr, nullptr, nullptr, nullptr, /*resultFormat=*/1));
  Status st = CheckResult(r.get(), "read balances");
  if (!st.ok()) return st;
  std::unordered_map<u128, size_t> row_of;
  row_of.reserve(PQntuples(r.get()));
  for (int row = 0; row < PQntuples(r.get()); ++row) {
    if (PQgetlength(r.get(), row, 0) != 16) return Status::Error("read balances: bad uuid");
    row_of[GetUuid(PQgetvalue(r.get(), row, 0))] = row;
  }
  out->accounts_after.assign(accounts.begin(), accounts.end());
  for (Account& a : out->accounts_after) {
    const auto it = row_of.find(a.id);
    if (it == row_of.end()) return Status::Error("read balances: an account is missing");
    u128* fields[] = {&a.debits_pending, &a.debits_posted, &a.credits_pending, &a.credits_posted};
    for (int col = 1; col <= 4; ++col) {
      const int row = static_cast<int>(it->second);
      if (!GetNumeric(PQgetvalue(r.get(), row, col), PQgetlength(r.get(), row, col),
                      fields[col - 1])) {
        return Status::Error("read balances: a balance is not a u128");
      }
    }
  }
  return Status::Ok();
}

Status Setup(PGconn* conn, std::span<const Account> accounts, const PgOptions& options) {
  Status st = Exec(conn, kSchemaSql, "create schema");
  if (st.ok() && options.account_transfer_indexes) {
    st = Exec(conn, kAccountTransferIndexesSql, "create indexes");
  }
  if (st.ok()) st = Exec(conn, ExpandSql(kFunctionSql), "create function");
  if (st.ok()) st = LoadAccounts(conn, accounts);
  // Statistics for the planner, and a clean start: no backlog of dirty pages from the load.
  if (st.ok()) st = Exec(conn, "VACUUM ANALYZE accounts", "vacuum");
  if (st.ok()) st = Exec(conn, "CHECKPOINT", "checkpoint");
  return st;
}

Status Validate(std::span<const Transfer> transfers, uint32_t batch_size) {
  if (batch_size == 0 || batch_size > ledger::kBatchEventsMax) {
    return Status::Error("batch size must be 1.." + std::to_string(ledger::kBatchEventsMax));
  }
  for (const Transfer& t : transfers) {
    if (t.flags & ledger::kTransferLinked) {
      return Status::Error("the PostgreSQL baseline does not support linked transfers");
    }
  }
  return Status::Ok();
}

}  // namespace

Status RunPostgresBaseline(std::span<const Account> accounts, std::span<const Transfer> transfers,
                           uint32_t batch_size, PgRunResult* out) {
  return RunPostgresBaseline(accounts, transfers, batch_size, PgOptions{}, out);
}

Status RunPostgresBaseline(std::span<const Account> accounts, std::span<const Transfer> transfers,
                           uint32_t batch_size, const PgOptions& options, PgRunResult* out) {
  *out = PgRunResult{};
  Status st = Validate(transfers, batch_size);
  if (!st.ok()) return st;
  Server server;  // Stopped and removed on every return below.
  st = server.Start(options);
  if (!st.ok()) return st;
  const PgConn conn(PQconnectdb(server.conninfo().c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::Error(std::string("connect to PostgreSQL: ") + PQerrorMessage(conn.get()));
  }
  const char* version = PQparameterStatus(conn.get(), "server_version");
  out->server_version = version != nullptr ? version : "";
  st = Setup(conn.get(), accounts, options);
  if (st.ok()) st = RunBatches(conn.get(), transfers, batch_size, out);
  if (st.ok()) st = ReadBalances(conn.get(), accounts, out);
  return st;
}

}  // namespace corridor::bench
