// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title RollingWindow - strict rolling 24h spend cap with bounded gas
/// @notice Spending is recorded in 25 one-hour buckets (a ring indexed by `hour % 25`) plus a running
///         `total` equal to the sum of the live buckets. Before each spend, buckets older than 24 full
///         hours are subtracted and cleared (at most 25 slots, so gas is bounded).
/// @dev Guarantee: any two spends less than 24h apart fall in hours at most 24 apart, so both are in
///      the 25 live buckets when the later one is checked. Hence the sum of spends in ANY 24h interval
///      is <= cap. The price of strictness is that a spend may keep counting for up to 25h (never 23h).
library RollingWindow {
    uint256 internal constant BUCKETS = 25;
    uint256 internal constant BUCKET_SECONDS = 1 hours;

    struct Window {
        uint64 lastHour; // hour index of the newest bucket touched
        uint192 total; // sum of the live buckets
        uint256[BUCKETS] buckets;
    }

    /// @notice Amount spent in the live window at `timestamp` (view; does not write the expiry).
    function spent(Window storage w, uint256 timestamp) internal view returns (uint256 total) {
        uint256 hour = timestamp / BUCKET_SECONDS;
        uint256 last = w.lastHour;
        total = w.total;
        if (hour <= last) return total;
        uint256 steps = hour - last;
        if (steps >= BUCKETS) return 0;
        for (uint256 i = 1; i <= steps; ++i) {
            total -= w.buckets[(last + i) % BUCKETS];
        }
    }

    /// @notice Expires old buckets, then records `amount` at `timestamp`; returns false (recording
    ///         nothing) if the cap would be exceeded.
    function tryConsume(Window storage w, uint256 amount, uint256 cap, uint256 timestamp) internal returns (bool) {
        uint256 hour = timestamp / BUCKET_SECONDS;
        uint256 last = w.lastHour;
        uint256 total = w.total;
        if (hour > last) {
            uint256 steps = hour - last;
            if (total == 0) {
                // all buckets are already zero: nothing to expire
            } else if (steps >= BUCKETS) {
                for (uint256 i; i < BUCKETS; ++i) {
                    if (w.buckets[i] != 0) w.buckets[i] = 0;
                }
                total = 0;
            } else {
                for (uint256 i = 1; i <= steps; ++i) {
                    uint256 slot = (last + i) % BUCKETS;
                    uint256 old = w.buckets[slot];
                    if (old != 0) {
                        total -= old;
                        w.buckets[slot] = 0;
                    }
                }
            }
            last = hour;
        }
        if (total + amount > cap) {
            // Persist the expiry even on failure: the cleared buckets and `total` must stay consistent.
            w.lastHour = uint64(last);
            w.total = uint192(total);
            return false;
        }
        w.buckets[last % BUCKETS] += amount;
        w.lastHour = uint64(last);
        w.total = uint192(total + amount);
        return true;
    }
}
