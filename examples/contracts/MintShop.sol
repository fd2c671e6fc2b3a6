// SPDX-License-Identifier: MIT
// A small mint contract for walletkit's dApp-backend example and tests: anyone mints
// `count` tokens by paying `count * price` wei; only the owner can change the price or
// withdraw. Compiled from this source by the npm `solc` package (chains/evm/solc.py).
pragma solidity ^0.8.20;

contract MintShop {
    address public immutable owner;
    uint256 public price;
    uint256 public totalMinted;
    mapping(address => uint256) public minted;

    event Minted(address indexed buyer, uint256 count, uint256 paid);

    constructor(uint256 initialPrice) {
        owner = msg.sender;
        price = initialPrice;
    }

    function mint(uint256 count) external payable {
        require(count > 0, "count is zero");
        require(msg.value == count * price, "wrong payment");
        minted[msg.sender] += count;
        totalMinted += count;
        emit Minted(msg.sender, count, msg.value);
    }

    function setPrice(uint256 newPrice) external {
        require(msg.sender == owner, "not the owner");
        price = newPrice;
    }

    function withdraw(address payable to) external {
        require(msg.sender == owner, "not the owner");
        to.transfer(address(this).balance);
    }
}
