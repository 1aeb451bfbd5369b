// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {ITradingVault} from "../src/interfaces/ITradingVault.sol";
import {RollingWindow} from "../src/libraries/RollingWindow.sol";
import {VaultFixture} from "./utils/VaultFixture.sol";

/// @notice Fuzz tests for the slippage bound and the caps.
contract TradingVaultFuzzTest is VaultFixture {
    /// @dev Accepted iff minOut * 1e4 >= quote * (1e4 - bps); when accepted the vault gets >= minOut.
    function testFuzz_slippageBound(uint256 quote, uint256 minOut, uint256 bps) public {
        quote = bound(quote, 1, 1e30);
        minOut = bound(minOut, 1, 1e30);
        bps = bound(bps, 0, 10_000);
        vm.prank(owner);
        vault.setMaxSlippageBps(bps);
        router.setPrice(address(tokenA), address(tokenB), minOut); // 1e18 A pays exactly minOut B
        ITradingVault.SwapRequest memory r = _req(1e18);
        r.quotedAmountOut = quote;
        r.minAmountOut = minOut;
        uint256 before = tokenB.balanceOf(address(vault));
        if (minOut * 10_000 < quote * (10_000 - bps)) {
            vm.expectRevert(abi.encodeWithSelector(ITradingVault.SlippageTooHigh.selector, minOut, quote, bps));
            _swap(r, "");
        } else {
            uint256 out = _swap(r, "");
            assertGe(out, minOut);
            assertEq(tokenB.balanceOf(address(vault)) - before, out);
        }
    }

    /// @dev Sales above the per-trade cap always revert, at or below always pass (fresh window).
    function testFuzz_perTradeCap(uint256 amount) public {
        amount = bound(amount, 1, 3 * uint256(PER_TRADE));
        ITradingVault.TokenConfig memory c = _cfg();
        c.signatureThreshold = type(uint128).max;
        c.maxPerDay = type(uint128).max;
        vm.prank(owner);
        vault.setTokenConfig(address(tokenA), c);
        ITradingVault.SwapRequest memory r = _req(amount);
        if (amount > PER_TRADE) {
            vm.expectRevert(abi.encodeWithSelector(ITradingVault.TradeCapExceeded.selector, address(tokenA), amount, PER_TRADE));
        }
        _swap(r, "");
    }

    /// @dev Sum of sales within any 24h interval never exceeds the daily cap, through the vault.
    function testFuzz_dailyCapThroughVault(uint256[12] memory amounts, uint256[12] memory gaps) public {
        ITradingVault.TokenConfig memory c = _cfg();
        c.signatureThreshold = type(uint128).max;
        vm.prank(owner);
        vault.setTokenConfig(address(tokenA), c);
        uint256[12] memory ts;
        uint256[12] memory sold;
        uint256 n;
        for (uint256 i; i < 12; ++i) {
            vm.warp(block.timestamp + bound(gaps[i], 0, 12 hours));
            ITradingVault.SwapRequest memory r = _req(bound(amounts[i], 1, PER_TRADE));
            vm.prank(operator);
            try vault.swap(r, "") {
                (ts[n], sold[n]) = (block.timestamp, r.amountIn);
                ++n;
            } catch {}
        }
        for (uint256 i; i < n; ++i) {
            uint256 sum;
            for (uint256 j; j <= i; ++j) {
                if (ts[j] + 24 hours > ts[i]) sum += sold[j];
            }
            assertLe(sum, PER_DAY);
        }
    }
}

/// @notice Fuzz tests for the path swaps' amounts against the caps.
contract TradingVaultPathSwapFuzzTest is VaultFixture {
    function setUp() public override {
        super.setUp();
        ITradingVault.TokenConfig memory c = _cfg();
        c.signatureThreshold = type(uint128).max; // caps only: signatures are tested elsewhere
        vm.prank(owner);
        vault.setTokenConfig(address(tokenA), c);
    }

    /// @dev Exact input: above the per-trade cap always reverts; at or below it pays the quote to the vault.
    function testFuzz_swapExactInput_perTradeCap(uint256 amount, bool twoHops) public {
        amount = bound(amount, 1, 3 * uint256(PER_TRADE));
        bytes memory path = twoHops ? _path(address(tokenA), address(hop), address(tokenB)) : _path(address(tokenA), address(tokenB));
        ITradingVault.PathSwapRequest memory r = _inReq(path, amount);
        if (amount > PER_TRADE) {
            vm.expectRevert(abi.encodeWithSelector(ITradingVault.TradeCapExceeded.selector, address(tokenA), amount, PER_TRADE));
            _swapIn(r, "");
            return;
        }
        uint256 out = _swapIn(r, "");
        assertEq(out, r.quotedAmountOut);
        assertEq(tokenA.balanceOf(address(vault)), FUNDING - amount);
        assertEq(vault.soldInWindow(address(tokenA)), amount);
        assertEq(tokenA.allowance(address(vault), address(router)), 0);
    }

    /// @dev Exact output: the cap applies to the input actually spent (not maxAmountIn); accepted trades
    ///      spend exactly the router's input, receive exactly amountOut, and leave no approval behind.
    function testFuzz_swapExactOutput_capsOnAmountSpent(uint256 amountOut, bool twoHops) public {
        amountOut = bound(amountOut, 1, 6 * uint256(PER_TRADE));
        bytes memory path = twoHops ? _path(address(tokenA), address(hop), address(tokenB)) : _path(address(tokenA), address(tokenB));
        ITradingVault.PathSwapExactOutputRequest memory r = _outReq(path, amountOut);
        uint256 needed = r.quotedAmountIn; // the mock router charges exactly its quote
        if (needed > PER_TRADE) {
            vm.expectRevert(abi.encodeWithSelector(ITradingVault.TradeCapExceeded.selector, address(tokenA), needed, PER_TRADE));
            _swapOut(r, "");
            return;
        }
        uint256 spent = _swapOut(r, "");
        assertEq(spent, needed);
        assertLe(spent, r.maxAmountIn);
        assertEq(tokenA.balanceOf(address(vault)), FUNDING - spent);
        assertEq(tokenB.balanceOf(address(vault)), FUNDING + amountOut);
        assertEq(vault.soldInWindow(address(tokenA)), spent);
        assertEq(tokenA.allowance(address(vault), address(router)), 0);
    }

    /// @dev Any mix of swap / swapExactInput / swapExactOutput keeps every 24h interval's sales <= daily cap.
    function testFuzz_dailyCapAcrossEntryPoints(uint256[12] memory amounts, uint256[12] memory gaps, uint8[12] memory kinds)
        public
    {
        uint256[12] memory ts;
        uint256[12] memory sold;
        uint256 n;
        for (uint256 i; i < 12; ++i) {
            vm.warp(block.timestamp + bound(gaps[i], 0, 12 hours));
            uint256 amount = bound(amounts[i], 1, PER_TRADE);
            uint256 before = tokenA.balanceOf(address(vault));
            bool ok;
            vm.prank(operator);
            if (kinds[i] % 3 == 0) {
                try vault.swap(_req(amount), "") {
                    ok = true;
                } catch {}
            } else if (kinds[i] % 3 == 1) {
                try vault.swapExactInput(_inReq(_path(address(tokenA), address(hop), address(tokenB)), amount), "") {
                    ok = true;
                } catch {}
            } else {
                try vault.swapExactOutput(_outReq(_path(address(tokenA), address(tokenB)), 2 * amount), "") {
                    ok = true;
                } catch {}
            }
            if (ok) {
                (ts[n], sold[n]) = (block.timestamp, before - tokenA.balanceOf(address(vault)));
                ++n;
            }
        }
        for (uint256 i; i < n; ++i) {
            uint256 sum;
            for (uint256 j; j <= i; ++j) {
                if (ts[j] + 24 hours > ts[i]) sum += sold[j];
            }
            assertLe(sum, PER_DAY);
        }
    }
}

/// @notice Exposes RollingWindow for model-based fuzzing.
contract RollingWindowHarness {
    using RollingWindow for RollingWindow.Window;

    RollingWindow.Window internal w;

    function tryConsume(uint256 amount, uint256 cap) external returns (bool) {
        return w.tryConsume(amount, cap, block.timestamp);
    }

    function spent() external view returns (uint256) {
        return w.spent(block.timestamp);
    }
}

/// @notice RollingWindow against a list model: safe for every 24h interval, and never blocks a sale
///         once the earlier sales are 25h old.
contract RollingWindowFuzzTest is Test {
    uint256 internal constant CAP = 1_000;

    function testFuzz_windowIsStrictAndLive(uint16[16] memory amounts, uint24[16] memory gaps) public {
        RollingWindowHarness h = new RollingWindowHarness();
        vm.warp(1_700_000_000);
        uint256[16] memory ts;
        uint256[16] memory sold;
        uint256 n;
        for (uint256 i; i < 16; ++i) {
            vm.warp(block.timestamp + uint256(gaps[i]) % 30 hours);
            uint256 amt = uint256(amounts[i]) % (CAP + 1);
            uint256 strict; // sales in the last 24h (must always be counted)
            uint256 loose; // sales in the last 25h (the most that may be counted)
            for (uint256 j; j < n; ++j) {
                if (ts[j] + 24 hours > block.timestamp) strict += sold[j];
                if (ts[j] + 25 hours > block.timestamp) loose += sold[j];
            }
            uint256 counted = h.spent();
            assertGe(counted, strict);
            assertLe(counted, loose);
            bool ok = h.tryConsume(amt, CAP);
            if (ok) {
                assertLe(strict + amt, CAP);
                (ts[n], sold[n]) = (block.timestamp, amt);
                ++n;
            } else {
                assertGt(counted + amt, CAP);
            }
            assertEq(h.spent(), ok ? counted + amt : counted);
        }
    }
}
